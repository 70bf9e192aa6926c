//! Frame decoding of every import against the layouts in the reference notes, with a mock realm.

use std::cell::RefCell;
use std::collections::HashMap;

use super::frame::{read_i32, read_u8, read_u64, write_i32, write_u64};
use super::imports::{Env, Flow, Import, RefTable, new_table};
use super::layout::*;
use super::realm::{Kind, Realm};
use super::refs::{self, TypeFlag};
use super::{AbiError, GuestMemory, Runtime, VecMemory};

#[derive(Debug, Clone, PartialEq)]
enum V {
    Undef,
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Obj(usize),
    Func(usize),
    Bytes(usize),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum K {
    Undef,
    Null,
    Bool(bool),
    Num(u64),
    Str(String),
    Obj(usize),
}

#[derive(Default)]
struct Mock {
    props: Vec<HashMap<String, V>>,
    bytes: Vec<Vec<u8>>,
    log: Vec<String>,
}

impl Mock {
    fn new() -> Self {
        // object 0 = globalThis, 1 = the Go object
        Mock {
            props: vec![HashMap::new(), HashMap::new()],
            ..Default::default()
        }
    }
    fn obj(&mut self) -> V {
        self.props.push(HashMap::new());
        V::Obj(self.props.len() - 1)
    }
}

impl Realm for Mock {
    type Value = V;
    type Key = K;
    fn kind(&self, v: &V) -> Kind {
        match v {
            V::Undef => Kind::Undefined,
            V::Null => Kind::Null,
            V::Bool(b) => Kind::Boolean(*b),
            V::Num(n) => Kind::Number(*n),
            V::Str(_) => Kind::String,
            V::Obj(_) | V::Bytes(_) => Kind::Object,
            V::Func(_) => Kind::Function,
        }
    }
    fn key(&self, v: &V) -> K {
        match v {
            V::Undef => K::Undef,
            V::Null => K::Null,
            V::Bool(b) => K::Bool(*b),
            V::Num(n) if n.is_nan() => K::Num(f64::NAN.to_bits()),
            V::Num(n) => K::Num((n + 0.0).to_bits()),
            V::Str(s) => K::Str(s.clone()),
            V::Obj(i) => K::Obj(*i),
            V::Func(i) => K::Obj(1000 + i),
            V::Bytes(i) => K::Obj(2000 + i),
        }
    }
    fn undefined(&self) -> V {
        V::Undef
    }
    fn null(&self) -> V {
        V::Null
    }
    fn boolean(&self, b: bool) -> V {
        V::Bool(b)
    }
    fn number(&self, n: f64) -> V {
        V::Num(n)
    }
    fn string(&mut self, s: &str) -> V {
        V::Str(s.to_string())
    }
    fn global(&self) -> V {
        V::Obj(0)
    }
    fn go_object(&self) -> V {
        V::Obj(1)
    }
    fn get(&mut self, t: &V, name: &str) -> Result<V, V> {
        self.log.push(format!("get {name}"));
        match t {
            V::Obj(i) if name == "boom" => Err(V::Str(format!("thrown by {i}"))),
            V::Obj(i) => Ok(self.props[*i].get(name).cloned().unwrap_or(V::Undef)),
            _ => Err(V::Str("TypeError: not an object".into())),
        }
    }
    fn set(&mut self, t: &V, name: &str, v: &V) -> Result<(), V> {
        match t {
            V::Obj(i) => {
                self.props[*i].insert(name.to_string(), v.clone());
                Ok(())
            }
            _ => Err(V::Str("TypeError".into())),
        }
    }
    fn delete(&mut self, t: &V, name: &str) -> Result<(), V> {
        if let V::Obj(i) = t {
            self.props[*i].remove(name);
        }
        Ok(())
    }
    fn get_index(&mut self, t: &V, i: f64) -> Result<V, V> {
        self.get(t, &i.to_string())
    }
    fn set_index(&mut self, t: &V, i: f64, v: &V) -> Result<(), V> {
        self.set(t, &i.to_string(), v)
    }
    fn call(&mut self, f: &V, this: &V, args: &[V]) -> Result<V, V> {
        self.log
            .push(format!("call {f:?} this={this:?} args={args:?}"));
        match f {
            V::Func(_) => Ok(V::Num(args.len() as f64 + 100.0)),
            _ => Err(V::Str("TypeError: not a function".into())),
        }
    }
    fn construct(&mut self, f: &V, args: &[V]) -> Result<V, V> {
        match f {
            V::Func(_) => {
                let o = self.obj();
                if let V::Obj(i) = o {
                    self.props[i].insert("n".into(), V::Num(args.len() as f64));
                }
                Ok(o)
            }
            _ => Err(V::Str("TypeError: not a constructor".into())),
        }
    }
    fn instance_of(&mut self, v: &V, t: &V) -> Result<bool, V> {
        match t {
            V::Func(_) => Ok(matches!(v, V::Obj(_))),
            _ => Err(V::Str(
                "TypeError: Right-hand side of 'instanceof' is not callable".into(),
            )),
        }
    }
    fn length(&mut self, v: &V) -> Result<f64, V> {
        match v {
            V::Str(s) => Ok(s.encode_utf16().count() as f64),
            V::Bytes(i) => Ok(self.bytes[*i].len() as f64),
            V::Obj(_) => {
                let l = self.get(v, "length")?;
                Ok(if let V::Num(n) = l {
                    n.trunc()
                } else {
                    f64::NAN
                })
            }
            _ => Err(V::Str("TypeError".into())),
        }
    }
    fn to_string(&mut self, v: &V) -> Result<String, V> {
        Ok(match v {
            V::Str(s) => s.clone(),
            V::Num(n) => n.to_string(),
            other => format!("{other:?}"),
        })
    }
    fn read_bytes(&mut self, v: &V, max: usize) -> Option<Vec<u8>> {
        match v {
            V::Bytes(i) => Some(self.bytes[*i].iter().take(max).copied().collect()),
            _ => None,
        }
    }
    fn write_bytes(&mut self, v: &V, b: &[u8]) -> Option<usize> {
        match v {
            V::Bytes(i) => {
                let d = &mut self.bytes[*i];
                let n = d.len().min(b.len());
                d[..n].copy_from_slice(&b[..n]);
                Some(n)
            }
            _ => None,
        }
    }
    fn new_uint8array(&mut self, b: &[u8]) -> Result<V, V> {
        self.bytes.push(b.to_vec());
        Ok(V::Bytes(self.bytes.len() - 1))
    }
    fn describe(&mut self, thrown: &V) -> String {
        format!("{thrown:?}")
    }
}

#[derive(Default)]
struct Rt {
    exit: Option<i32>,
    out: Vec<(i64, Vec<u8>)>,
    timers: Vec<f64>,
    cleared: Vec<i32>,
    grown: usize,
}

impl Runtime for Rt {
    fn exit(&mut self, code: i32) {
        self.exit = Some(code);
    }
    fn write(&mut self, fd: i64, bytes: &[u8]) -> Result<(), AbiError> {
        self.out.push((fd, bytes.to_vec()));
        Ok(())
    }
    fn nanotime(&mut self) -> f64 {
        1_700_000_000_123_456_789.0
    }
    fn walltime_ms(&mut self) -> f64 {
        1_700_000_000_123.0
    }
    fn schedule_timeout(&mut self, ms: f64) -> i32 {
        self.timers.push(ms);
        self.timers.len() as i32
    }
    fn clear_timeout(&mut self, id: i32) {
        self.cleared.push(id);
    }
    fn random(&mut self, buf: &mut [u8]) {
        buf.fill(0xAB);
    }
    fn memory_grown(&mut self) {
        self.grown += 1;
    }
}

const SP: u32 = 1024;

struct Fixture {
    mem: VecMemory,
    realm: Mock,
    table: RefCell<RefTable<Mock>>,
    rt: Rt,
}

impl Fixture {
    fn new() -> Self {
        let mut realm = Mock::new();
        let table = RefCell::new(new_table(&mut realm));
        Fixture {
            mem: VecMemory {
                data: vec![0; 8192],
                sp: SP,
            },
            realm,
            table,
            rt: Rt::default(),
        }
    }
    fn call(&mut self, i: Import) -> Result<Flow, AbiError> {
        let sp = self.mem.sp;
        Env {
            mem: &mut self.mem,
            realm: &mut self.realm,
            table: &self.table,
            rt: &mut self.rt,
        }
        .call(i, sp)
    }
    /// An 8-byte field (or the pointer of a header) of the frame at SP.
    fn put(&mut self, f: Field, v: u64) {
        write_u64(&mut self.mem.data, "t", f.at(SP), v).unwrap();
    }
    fn get(&self, f: Field) -> u64 {
        read_u64(&self.mem.data, "t", f.at(SP)).unwrap()
    }
    fn int32(&self, f: Field) -> i32 {
        read_i32(&self.mem.data, "t", f.at(SP)).unwrap()
    }
    fn byte(&self, f: Field) -> u8 {
        read_u8(&self.mem.data, "t", f.at(SP)).unwrap()
    }
    /// A header's length (and a slice's capacity) alone.
    fn put_len(&mut self, f: Field, len: u64) {
        write_u64(
            &mut self.mem.data,
            "t",
            f.at(SP) + u64::from(HEADER_LEN),
            len,
        )
        .unwrap();
        if f.kind != FieldKind::Str {
            write_u64(
                &mut self.mem.data,
                "t",
                f.at(SP) + u64::from(SLICE_CAP),
                len,
            )
            .unwrap();
        }
    }
    /// A header: `len` elements at `addr`.
    fn put_header(&mut self, f: Field, addr: u32, len: u64) {
        self.put(f, u64::from(addr));
        self.put_len(f, len);
    }
    /// A Go string header pointing at `s` placed at `addr`.
    fn put_str(&mut self, f: Field, addr: u32, s: &[u8]) {
        self.mem.data[addr as usize..addr as usize + s.len()].copy_from_slice(s);
        self.put_header(f, addr, s.len() as u64);
    }
    fn put_refs(&mut self, f: Field, addr: u32, refs: &[u64]) {
        for (i, r) in refs.iter().enumerate() {
            write_u64(&mut self.mem.data, "t", u64::from(addr) + 8 * i as u64, *r).unwrap();
        }
        self.put_header(f, addr, refs.len() as u64);
    }
    fn store(&mut self, v: V) -> u64 {
        Env {
            mem: &mut self.mem,
            realm: &mut self.realm,
            table: &self.table,
            rt: &mut self.rt,
        }
        .ref_of(v)
    }
    fn value(&mut self, bits: u64) -> V {
        Env {
            mem: &mut self.mem,
            realm: &mut self.realm,
            table: &self.table,
            rt: &mut self.rt,
        }
        .value_of(bits)
    }
}

const GLOBAL: u64 = 0x7FF8_0001_0000_0005;
const GO: u64 = 0x7FF8_0001_0000_0006;

#[test]
fn import_names() {
    assert_eq!(
        Import::from_name("gojs", "syscall/js.valueGet"),
        Some(Import::ValueGet)
    );
    assert_eq!(Import::from_name("go", "debug"), Some(Import::Debug));
    assert_eq!(Import::from_name("gojs", "debug"), None);
    assert_eq!(Import::from_name("env", "runtime.wasmExit"), None);
    assert_eq!(Import::from_name("gojs", "runtime.nope"), None);
}

#[test]
fn store_value_encoding() {
    let mut f = Fixture::new();
    assert_eq!(f.store(V::Undef), 0);
    assert_eq!(f.store(V::Num(42.5)), 42.5f64.to_bits());
    assert_eq!(f.store(V::Num(0.0)), 0x7FF8_0000_0000_0001);
    assert_eq!(f.store(V::Num(-0.0)), 0x7FF8_0000_0000_0001);
    assert_eq!(f.store(V::Num(f64::NAN)), 0x7FF8_0000_0000_0000);
    assert_eq!(f.store(V::Null), 0x7FF8_0000_0000_0002);
    assert_eq!(f.store(V::Bool(true)), 0x7FF8_0000_0000_0003);
    assert_eq!(f.store(V::Bool(false)), 0x7FF8_0000_0000_0004);
    assert_eq!(f.store(V::Obj(0)), GLOBAL);
    assert_eq!(f.store(V::Obj(1)), GO);
    assert_eq!(f.store(V::Str("a".into())), 0x7FF8_0002_0000_0007);
    assert_eq!(f.store(V::Func(3)), 0x7FF8_0004_0000_0008);
    assert_eq!(f.store(V::Str("a".into())), 0x7FF8_0002_0000_0007);
    assert_eq!(f.value(0x7FF8_0002_0000_0007), V::Str("a".into()));
    // Type bits are ignored when loading; unknown ids are undefined.
    assert_eq!(f.value(0x7FF8_0003_0000_0007), V::Str("a".into()));
    assert_eq!(f.value(0x7FF8_0001_0000_0099), V::Undef);
    assert_eq!(f.value(0), V::Undef);
    f.table.borrow().check_invariants().unwrap();
}

#[test]
fn runtime_imports() {
    let mut f = Fixture::new();
    f.put(wasm_exit::CODE, 3);
    assert_eq!(f.call(Import::WasmExit).unwrap(), Flow::Exit(3));
    assert_eq!(f.rt.exit, Some(3));

    f.put(wasm_write::FD, 2);
    f.put(wasm_write::TEXT, 4000);
    write_i32(
        &mut f.mem.data,
        "t",
        wasm_write::TEXT.at(SP) + u64::from(WRITE_LEN),
        5,
    )
    .unwrap();
    f.mem.data[4000..4005].copy_from_slice(b"hello");
    f.call(Import::WasmWrite).unwrap();
    assert_eq!(f.rt.out, vec![(2, b"hello".to_vec())]);

    f.call(Import::ResetMemoryDataView).unwrap();
    assert_eq!(f.rt.grown, 1);

    f.call(Import::Nanotime1).unwrap();
    let ns = f.get(nanotime1::NS) as i64;
    assert!((ns - 1_700_000_000_123_456_789).abs() < 1000);

    f.call(Import::Walltime).unwrap();
    assert_eq!(f.get(walltime::SEC), 1_700_000_000);
    assert_eq!(f.int32(walltime::NSEC), 123_000_000);

    f.put(schedule_timeout_event::MS, 250);
    f.call(Import::ScheduleTimeoutEvent).unwrap();
    assert_eq!(f.rt.timers, vec![250.0]);
    assert_eq!(f.int32(schedule_timeout_event::ID), 1);

    f.put(clear_timeout_event::ID, 1);
    f.call(Import::ClearTimeoutEvent).unwrap();
    assert_eq!(f.rt.cleared, vec![1]);

    f.put_header(get_random_data::BUF, 5000, 16);
    f.call(Import::GetRandomData).unwrap();
    assert!(f.mem.data[5000..5016].iter().all(|&b| b == 0xAB));
    assert_eq!(f.mem.data[5016], 0);
}

#[test]
fn random_is_limited_to_65536_bytes() {
    let mut f = Fixture::new();
    f.mem.data.resize(80_000, 0);
    f.put_header(get_random_data::BUF, 10_000, 65_536);
    f.call(Import::GetRandomData).unwrap();
    f.put_len(get_random_data::BUF, 65_537);
    let e = f.call(Import::GetRandomData).unwrap_err();
    assert!(e.to_string().contains("QuotaExceededError"), "{e}");
}

#[test]
fn finalize_and_string_val() {
    let mut f = Fixture::new();
    f.put_str(string_val::S, 4000, "abc\u{1234}".as_bytes());
    f.call(Import::StringVal).unwrap();
    let r = f.get(string_val::V);
    assert_eq!(r, 0x7FF8_0002_0000_0007);
    assert_eq!(f.value(r), V::Str("abc\u{1234}".into()));
    // invalid UTF-8 becomes U+FFFD
    f.put_str(string_val::S, 4100, &[0x61, 0xFF]);
    f.call(Import::StringVal).unwrap();
    assert_eq!(f.value(f.get(string_val::V)), V::Str("a\u{FFFD}".into()));

    f.put(finalize_ref::V, r);
    f.call(Import::FinalizeRef).unwrap();
    assert_eq!(f.value(r), V::Undef);
    // predefined and double finalize are harmless
    f.put(finalize_ref::V, GLOBAL);
    f.call(Import::FinalizeRef).unwrap();
    f.put(finalize_ref::V, r);
    f.call(Import::FinalizeRef).unwrap();
    assert_eq!(f.value(GLOBAL), V::Obj(0));
    f.table.borrow().check_invariants().unwrap();
}

#[test]
fn get_set_delete() {
    let mut f = Fixture::new();
    // valueSet, valueGet and valueDelete share `v` and `p`.
    assert_eq!(value_set::V, value_get::V);
    assert_eq!(value_set::P, value_get::P);
    assert_eq!(&value_delete::FIELDS[..2], &value_get::FIELDS[..2]);
    f.put(value_set::V, GLOBAL);
    f.put_str(value_set::P, 4000, b"answer");
    f.put(value_set::X, 42.0f64.to_bits());
    f.call(Import::ValueSet).unwrap();
    assert_eq!(f.realm.props[0]["answer"], V::Num(42.0));

    f.put(value_get::R, 0);
    f.call(Import::ValueGet).unwrap();
    assert_eq!(f.get(value_get::R), 42.0f64.to_bits());

    f.call(Import::ValueDelete).unwrap();
    assert!(!f.realm.props[0].contains_key("answer"));

    // A throw in valueGet is not caught.
    f.put_str(value_get::P, 4000, b"boom");
    let e = f.call(Import::ValueGet).unwrap_err();
    assert!(
        matches!(
            e,
            AbiError::Uncaught {
                import: "syscall/js.valueGet",
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn get_writes_at_new_sp() {
    let mut f = Fixture::new();
    f.realm.props[0].insert("x".into(), V::Num(7.0));
    f.put(value_get::V, GLOBAL);
    f.put_str(value_get::P, 4000, b"x");
    f.mem.sp = SP + 512; // the stack "moved" during the call
    f.call(Import::ValueGet).unwrap_err(); // reads at the new sp: garbage ref/string there
    f.mem.sp = SP;
    // Now read at SP, write at SP + 512 by moving sp only after reading.
    struct Moving(VecMemory, u32);
    impl GuestMemory for Moving {
        fn bytes(&mut self) -> &mut [u8] {
            &mut self.0.data
        }
        fn getsp(&mut self) -> Result<u32, AbiError> {
            Ok(self.1)
        }
    }
    let mut m = Moving(f.mem.clone(), SP + 512);
    Env {
        mem: &mut m,
        realm: &mut f.realm,
        table: &f.table,
        rt: &mut f.rt,
    }
    .call(Import::ValueGet, SP)
    .unwrap();
    assert_eq!(
        read_u64(&m.0.data, "t", value_get::R.at(SP + 512)).unwrap(),
        7.0f64.to_bits()
    );
    assert_eq!(read_u64(&m.0.data, "t", value_get::R.at(SP)).unwrap(), 0);
}

#[test]
fn index_and_length() {
    let mut f = Fixture::new();
    let o = f.realm.obj();
    let oref = f.store(o.clone());
    assert_eq!(&value_index::FIELDS[..2], &value_set_index::FIELDS[..2]);
    f.put(value_set_index::V, oref);
    f.put(value_set_index::I, 2);
    let two = f.store(V::Str("two".into()));
    f.put(value_set_index::X, two);
    f.call(Import::ValueSetIndex).unwrap();
    f.put(value_index::R, 0);
    f.call(Import::ValueIndex).unwrap();
    assert_eq!(f.value(f.get(value_index::R)), V::Str("two".into()));

    f.realm.set(&o, "length", &V::Num(3.0)).unwrap();
    assert_eq!(value_length::V, value_index::V);
    f.call(Import::ValueLength).unwrap();
    assert_eq!(f.get(value_length::N), 3);
    // no length: parseInt gives NaN, stored as 0
    f.realm.props.push(HashMap::new());
    let empty = f.store(V::Obj(f.realm.props.len() - 1));
    f.put(value_length::V, empty);
    f.put(value_length::N, 99);
    f.call(Import::ValueLength).unwrap();
    assert_eq!(f.get(value_length::N), 0);
}

#[test]
fn call_invoke_new() {
    let mut f = Fixture::new();
    f.realm.props[0].insert("fn".into(), V::Func(1));
    f.put(value_call::V, GLOBAL);
    f.put_str(value_call::M, 4000, b"fn");
    let s = f.store(V::Str("arg".into()));
    f.put_refs(value_call::ARGS, 4100, &[1.5f64.to_bits(), s]);
    f.call(Import::ValueCall).unwrap();
    assert_eq!(f.get(value_call::R), 102.0f64.to_bits());
    assert_eq!(f.byte(value_call::OK), 1);
    assert!(
        f.realm
            .log
            .iter()
            .any(|l| l.contains("this=Obj(0)") && l.contains("Str(\"arg\")"))
    );

    // calling a missing method: caught, ok = 0, the thrown value as result
    f.put_str(value_call::M, 4000, b"no");
    f.call(Import::ValueCall).unwrap();
    assert_eq!(f.byte(value_call::OK), 0);
    assert_eq!(
        f.value(f.get(value_call::R)),
        V::Str("TypeError: not a function".into())
    );

    let func = f.store(V::Func(2));
    f.put(value_invoke::V, func);
    f.put_refs(value_invoke::ARGS, 4200, &[GLOBAL, GO, 0]);
    f.call(Import::ValueInvoke).unwrap();
    assert_eq!(f.get(value_invoke::R), 103.0f64.to_bits());
    assert_eq!(f.byte(value_invoke::OK), 1);

    f.call(Import::ValueNew).unwrap();
    assert_eq!(f.byte(value_new::OK), 1);
    let made = f.value(f.get(value_new::R));
    assert_eq!(f.realm.get(&made, "n").unwrap(), V::Num(3.0));
    assert_eq!(
        refs::flag_of(f.get(value_new::R)),
        Some(TypeFlag::Object as u32)
    );

    f.put(value_new::V, GLOBAL);
    f.call(Import::ValueNew).unwrap();
    assert_eq!(f.byte(value_new::OK), 0);

    // An args slice pointing outside memory is a clear error.
    f.put(value_invoke::ARGS, 1 << 40);
    assert!(matches!(
        f.call(Import::ValueInvoke),
        Err(AbiError::OutOfBounds { .. })
    ));
}

#[test]
fn strings_out() {
    let mut f = Fixture::new();
    let s = f.store(V::Str("h\u{e9}llo".into()));
    f.put(value_prepare_string::V, s);
    f.call(Import::ValuePrepareString).unwrap();
    let arr = f.get(value_prepare_string::S);
    assert_eq!(f.get(value_prepare_string::N), 6);
    assert_eq!(refs::flag_of(arr), Some(TypeFlag::Object as u32));
    f.put(value_load_string::V, arr);
    f.put_header(value_load_string::DST, 4000, 6);
    f.call(Import::ValueLoadString).unwrap();
    assert_eq!(&f.mem.data[4000..4006], "h\u{e9}llo".as_bytes());
    // a too-short destination is a RangeError, uncaught
    f.put_len(value_load_string::DST, 2);
    assert!(matches!(
        f.call(Import::ValueLoadString),
        Err(AbiError::Uncaught { .. })
    ));
}

#[test]
fn instance_of() {
    let mut f = Fixture::new();
    let func = f.store(V::Func(0));
    f.put(value_instance_of::V, GLOBAL);
    f.put(value_instance_of::T, func);
    f.call(Import::ValueInstanceOf).unwrap();
    assert_eq!(f.byte(value_instance_of::B), 1);
    f.put(value_instance_of::T, GO);
    assert!(matches!(
        f.call(Import::ValueInstanceOf),
        Err(AbiError::Uncaught { .. })
    ));
}

#[test]
fn copy_bytes() {
    let mut f = Fixture::new();
    let arr = f.realm.new_uint8array(&[1, 2, 3, 4, 5]).unwrap();
    let r = f.store(arr.clone());
    // to Go: dst of 3 bytes
    use copy_bytes_to_go as to_go;
    use copy_bytes_to_js as to_js;
    f.put_header(to_go::DST, 4000, 3);
    f.put(to_go::SRC, r);
    f.call(Import::CopyBytesToGo).unwrap();
    assert_eq!(&f.mem.data[4000..4004], &[1, 2, 3, 0]);
    assert_eq!(f.get(to_go::N), 3);
    assert_eq!(f.byte(to_go::OK), 1);
    // not a Uint8Array: ok = 0, n untouched
    f.put(to_go::SRC, GLOBAL);
    f.put(to_go::N, 77);
    f.call(Import::CopyBytesToGo).unwrap();
    assert_eq!(f.byte(to_go::OK), 0);
    assert_eq!(f.get(to_go::N), 77);

    // to JS: 7 bytes into 5
    f.mem.data[4100..4107].copy_from_slice(&[9; 7]);
    f.put(to_js::DST, r);
    f.put_header(to_js::SRC, 4100, 7);
    f.call(Import::CopyBytesToJS).unwrap();
    assert_eq!(f.get(to_js::N), 5);
    assert_eq!(f.byte(to_js::OK), 1);
    assert_eq!(f.realm.read_bytes(&arr, 10).unwrap(), vec![9; 5]);
    f.put(to_js::DST, GO);
    f.call(Import::CopyBytesToJS).unwrap();
    assert_eq!(f.byte(to_js::OK), 0);
}

#[test]
fn bad_sp_is_an_error_not_a_panic() {
    let mut f = Fixture::new();
    f.mem.sp = 8190;
    for i in Import::ALL {
        if i == Import::Debug || i == Import::ResetMemoryDataView {
            continue;
        }
        assert!(f.call(i).is_err(), "{i:?}");
    }
    f.table.borrow().check_invariants().unwrap();
}
