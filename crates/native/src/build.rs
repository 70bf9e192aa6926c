//! Where a run's machine code comes from: the cache or a compile, by which compiler, and
//! whether the run may tier up (see [`crate::engine::CompilerChoice`]).

use std::path::{Path, PathBuf};

use wasmtime::{Engine, Module};

use crate::cache::{self, FillRequest, ModuleId};
use crate::engine::{self, Compiler, CompilerChoice};
use crate::options::{BackgroundFill, NativeRunOptions};
use crate::rewrite::export_globals;
use crate::tierup::{self, TierUp};
use crate::validate::validate;

/// A module ready to run: its build and the engine it was built for, or its interpreted
/// form; and for a run that may tier up, the Cranelift build under way and the names of the
/// globals' exports.
pub(crate) struct Built {
    pub code: Loaded,
    pub tier: Option<(tierup::Background, crate::rewrite::Carry)>,
}

/// A module as an engine has it.
pub(crate) enum Loaded {
    /// Machine code by `compiler`, from the cache or not (`cached`).
    Compiled {
        engine: Engine,
        module: Module,
        compiler: Compiler,
        cached: bool,
    },
    /// On the interpreter (see [`crate::interp`]), with its way to Winch code and then to
    /// Cranelift code.
    Interpreted {
        engine: wasmi::Engine,
        module: wasmi::Module,
        tier: Option<Box<(tierup::Background, crate::rewrite::Carry, tierup::Later)>>,
    },
}

impl Loaded {
    fn compiled(engine: Engine, module: Module, (compiler, cached): (Compiler, bool)) -> Loaded {
        Loaded::Compiled {
            engine,
            module,
            compiler,
            cached,
        }
    }

    /// The names of the module's imports.
    pub(crate) fn import_names(&self) -> Vec<String> {
        match self {
            Loaded::Compiled { module, .. } => {
                module.imports().map(|i| i.name().to_string()).collect()
            }
            Loaded::Interpreted { module, .. } => {
                module.imports().map(|i| i.name().to_string()).collect()
            }
        }
    }
}

/// The bytes of the module file `wasm`.
fn read(wasm: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(wasm).map_err(|e| format!("cannot read {}: {e}", wasm.display()))
}

/// The [`ModuleId`] of the module file `wasm`, without keeping its bytes (remembered in the
/// cache directory `dir`).
fn id_of(wasm: &Path, dir: &Path) -> Result<ModuleId, String> {
    ModuleId::of_file_in(wasm, dir).map_err(|e| format!("cannot read {}: {e}", wasm.display()))
}

/// The module in the file `wasm`, from the cache or compiled, and the engine it was built
/// for. The file is read whole only when its build is not in the cache; it is then hashed
/// again, from the bytes compiled, since it may have changed since it was first hashed.
pub(crate) fn build_module(
    opts: &NativeRunOptions,
    epoch: bool,
    wasm: &Path,
    cache_dir: Option<PathBuf>,
) -> Result<Built, String> {
    let err = |e: anyhow::Error| format!("{e:#}");
    let built = |engine, module, build| Built {
        code: Loaded::compiled(engine, module, build),
        tier: None,
    };
    if opts.compiler == CompilerChoice::Auto && opts.tiered_cache {
        return build_tiered(
            epoch,
            wasm,
            cache_dir,
            opts.tier_up,
            opts.background_fill.as_ref(),
            opts.max_memory.is_none(),
        )
        .map_err(err);
    }
    let Some(dir) = cache_dir else {
        let bytes = read(wasm)?;
        let compiler = opts.compiler.uncached();
        let engine = engine::engine(epoch, compiler).map_err(err)?;
        let module = engine::compile(&engine, &bytes).map_err(err)?;
        return Ok(built(engine, module, (compiler, false)));
    };
    let id = id_of(wasm, &dir)?;
    let first = opts.compiler.cached();
    let engine = engine::engine(epoch, first).map_err(err)?;
    if let Some(m) = cache::cached(&engine, first, id, &dir) {
        return Ok(built(engine, m, (first, true)));
    }
    let bytes = read(wasm)?;
    let id = ModuleId::of(&bytes);
    let module = engine::compile(&engine, &bytes).map_err(err)?;
    cache::store(&engine, first, id, &dir, &module);
    Ok(built(engine, module, (first, false)))
}

/// [`CompilerChoice::Auto`] with tiered caching: a cached Cranelift build if there is one,
/// else a cached Winch build, else the interpreter (see [`crate::interp`]; Winch code for a
/// run with a time limit or a memory limit, which the interpreter does not enforce, or for a
/// module it cannot run). Both tier up (see [`crate::tierup`]) if the run lasts. A module
/// seen for the first time is often run only once (`go test -exec`): it starts at once.
/// When a module is run again without a Cranelift build, a background fill caches one for
/// the runs after.
fn build_tiered(
    epoch: bool,
    wasm: &Path,
    cache_dir: Option<PathBuf>,
    tier_up: TierUp,
    filler: Option<&BackgroundFill>,
    may_interpret: bool,
) -> anyhow::Result<Built> {
    if let Some(dir) = &cache_dir {
        // The only pass over the file a run with a cached Cranelift build makes.
        let id = id_of(wasm, dir).map_err(anyhow::Error::msg)?;
        let cranelift = engine::engine(epoch, Compiler::Cranelift)?;
        // The tier-up's and the fills' builds are of the rewritten module; the suite's of the
        // original one.
        let found = cache::cached(&cranelift, Compiler::Cranelift, id.rewritten(), dir)
            .or_else(|| cache::cached(&cranelift, Compiler::Cranelift, id, dir));
        if let Some(m) = found {
            return Ok(Built {
                code: Loaded::compiled(cranelift, m, (Compiler::Cranelift, true)),
                tier: None,
            });
        }
    }
    let original = read(wasm).map_err(anyhow::Error::msg)?;
    let original = original.as_slice();
    let id = ModuleId::of(original);
    let winch = engine::engine(epoch, Compiler::Winch)?;
    let found = cache_dir.as_deref().and_then(|dir| {
        [id.rewritten(), id]
            .into_iter()
            .find_map(|i| cache::cached(&winch, Compiler::Winch, i, dir).map(|m| (m, i)))
    });
    let fill = |dir: &PathBuf| {
        if let Some(filler) = filler {
            let req = FillRequest {
                wasm: wasm.to_path_buf(),
                cache_dir: dir.clone(),
                epoch,
                compiler: Compiler::Cranelift,
            };
            cache::request_fill(filler, req, id);
        }
    };
    let (module, rewritten, hit) = match found {
        // The module was valid when it was built, and its rewrite succeeded then exactly if
        // the build is of the rewritten module.
        Some((m, built_id)) => {
            let rewritten = built_id
                .is_rewritten()
                .then(|| export_globals(original).ok())
                .flatten();
            if let Some(dir) = &cache_dir {
                fill(dir);
            }
            (m, rewritten, true)
        }
        None => {
            // The rewrite parses the module by hand: only a valid one gets that far. The
            // interpreter's check validates too, with fewer proposals: the full check is made
            // only for a module that fails it.
            // Both read the bytes only: the check runs beside the rewrites, and nothing is
            // run before it passed.
            let may_interpret = may_interpret && !epoch;
            let (interpret, (rewritten, checked)) = std::thread::scope(|scope| {
                let check = std::thread::Builder::new()
                    .name("gojs-validate".into())
                    .spawn_scoped(scope, || {
                        may_interpret && crate::interp::supported(original)
                    });
                let rewritten = export_globals(original).ok();
                // With a safe point at each Go function's entry, where a computation that
                // never calls an import can leave the interpreter (a module that cannot get
                // them runs without).
                let checked = rewritten
                    .as_ref()
                    .filter(|(_, carry)| may_interpret && carry.go_loop && carry.sp.is_some())
                    .and_then(|(b, _)| crate::safepoint::instrument(b).ok());
                let interpret = match check {
                    Ok(handle) => handle.join().unwrap_or(false),
                    Err(_) => may_interpret && crate::interp::supported(original),
                };
                (interpret, (rewritten, checked))
            });
            if !interpret {
                validate(original).map_err(anyhow::Error::msg)?;
            }
            let (bytes, built_id) = match &rewritten {
                Some((b, _)) => (b.as_slice(), id.rewritten()),
                None => (original, id),
            };
            if interpret {
                if let Some(dir) = &cache_dir
                    && cache::seen_before(dir, id)
                {
                    fill(dir);
                }
                let engine = crate::interp::engine();
                let module = crate::interp::load(&engine, checked.as_deref().unwrap_or(bytes))?;
                // To Winch code soon, and from there to Cranelift code as a Winch run goes.
                let tier = rewritten.and_then(|(bytes, names)| {
                    let later = tierup::Later {
                        bytes: bytes.clone(),
                        id: id.rewritten(),
                        cache_dir: cache_dir.clone(),
                        when: tier_up,
                    };
                    let soon = tier_up.no_later_than(tierup::INTERPRETER_DELAY);
                    tierup::Background::start(
                        bytes,
                        id.rewritten(),
                        cache_dir,
                        soon,
                        Compiler::Winch,
                    )
                    .map(|b| Box::new((b, names, later)))
                });
                return Ok(Built {
                    code: Loaded::Interpreted {
                        engine,
                        module,
                        tier,
                    },
                    tier: None,
                });
            }
            let m = engine::compile(&winch, bytes)?;
            if let Some(dir) = &cache_dir {
                cache::store(&winch, Compiler::Winch, built_id, dir, &m);
            }
            (m, rewritten, false)
        }
    };
    // Epoch checks are compiled in, and the time limit's watchdog holds this engine: a run
    // with a time limit stays on it.
    let tier = match rewritten {
        Some((bytes, names)) if !epoch => tierup::Background::start(
            bytes,
            id.rewritten(),
            cache_dir,
            tier_up,
            Compiler::Cranelift,
        )
        .map(|b| (b, names)),
        _ => None,
    };
    Ok(Built {
        code: Loaded::compiled(winch, module, (Compiler::Winch, hit)),
        tier,
    })
}
