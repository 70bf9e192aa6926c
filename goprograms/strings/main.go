// Command strings checks string transfer both ways: round trips of non-ASCII and astral text
// and embedded NULs, JS strings with lone surrogates (TextEncoder turns each into U+FFFD),
// UTF-16 lengths, very long strings (8 MiB from JS, 4 MiB from Go), property names and
// arguments carrying UTF-8.
// Contract: stringVal (TextDecoder), valuePrepareString (TextEncoder) + valueLoadString
// (go-js-abi §2.1, §2.2).
package main

import (
	"strings"
	"syscall/js"
	"unicode/utf8"

	"goprograms/internal/check"
	"goprograms/internal/jsx"
)

func main() {
	for _, s := range []string{"", "a", "héllo", "日本語テキスト", "😀🎉𝄞", "a\x00b\x00", "\x00", "mixed ascii, é, 中, 😀 and \t\n",
		"\u2028\u2029", "\uFFFF\U0010FFFF", "\u0301combining", strings.Repeat("é", 1000)} {
		label := s
		if len(label) > 20 {
			label = label[:10] + "..."
		}
		check.Eq("round trip "+jsQuote(label), js.ValueOf(s).String(), s)
	}
	fx := jsx.Eval(`({
		lone: "a\ud800b", trail: "a\udc00b", rev: "\udc00\ud800", pair: "\ud83d\ude00", end: "x\ud83d",
		nul: "\0x\0", astral: String.fromCodePoint(0x1F600, 0x10FFFF), bmp: "\uffff",
	})`)
	js2go := []struct{ key, want string }{
		{"lone", "a\uFFFDb"}, {"trail", "a\uFFFDb"}, {"rev", "\uFFFD\uFFFD"}, {"pair", "😀"},
		{"end", "x\uFFFD"}, {"nul", "\x00x\x00"}, {"astral", "😀\U0010FFFF"}, {"bmp", "\uFFFF"},
	}
	for _, c := range js2go {
		got := fx.Get(c.key).String()
		check.Eq("from JS "+c.key, got, c.want)
		check.Eq("from JS "+c.key+" is valid UTF-8", utf8.ValidString(got), true)
	}
	length := jsx.Fn("s", "return s.length;")
	check.Eq("UTF-16 length of an astral character", length.Invoke("😀").Int(), 2)
	check.Eq("UTF-16 length of 3 NULs", length.Invoke("\x00\x00\x00").Int(), 3)
	check.Eq("code point from Go", jsx.Fn("s", "return s.codePointAt(0);").Invoke("😀").Int(), 0x1F600)
	check.Eq("char code of NUL", jsx.Fn("s", "return s.charCodeAt(1);").Invoke("a\x00").Int(), 0)

	long := jsx.Eval("'x'.repeat(8 * 1024 * 1024 - 1) + 'y'")
	ls := long.String()
	check.Eq("8 MiB string from JS: length", len(ls), 8<<20)
	check.Eq("8 MiB string from JS: last byte", ls[len(ls)-1], byte('y'))
	wide := jsx.Eval("'é😀'.repeat(100000)").String()
	check.Eq("multi-byte string from JS: bytes", len(wide), 600000)
	check.Eq("multi-byte string from JS: content", wide == strings.Repeat("é😀", 100000), true)
	goLong := strings.Repeat("0123456789abcdef", 1<<18) + "end"
	check.Eq("4 MiB string from Go: JS length", length.Invoke(goLong).Int(), 4<<20+3)
	check.Eq("4 MiB string from Go: JS tail", jsx.Fn("s", "return s.slice(-5);").Invoke(goLong).String(), "efend")
	check.Eq("4 MiB string round trip", js.ValueOf(goLong).String() == goLong, true)

	o := jsx.Eval("({})")
	o.Set("ключ", "значение")
	o.Set("😀", "emoji key")
	o.Set("a\x00b", "nul key")
	check.Eq("UTF-8 property names seen from JS", jsx.Fn("o", "return Object.keys(o).map((k) => k.length).join(',');").Invoke(o).String(), "4,2,3")
	check.Eq("Get with a Cyrillic name", o.Get("ключ").String(), "значение")
	check.Eq("Get with an emoji name", o.Get("😀").String(), "emoji key")
	check.Eq("Get with a NUL in the name", o.Get("a\x00b").String(), "nul key")
	check.Eq("Call with a non-ASCII method name", jsx.Eval("({'grüß'(x) { return x + '!'; }})").Call("grüß", "hé").String(), "hé!")
	check.Eq("JS toUpperCase of non-ASCII", js.Global().Get("String").Get("prototype").Get("toUpperCase").Call("call", "straße").String(), "STRASSE")
	check.Done()
}

func jsQuote(s string) string {
	out := ""
	for _, r := range s {
		if r < 0x20 || r == 0x2028 || r == 0x2029 {
			out += "\\u" + strings.ToUpper(string("0123456789abcdef"[r>>12&15])+string("0123456789abcdef"[r>>8&15])+string("0123456789abcdef"[r>>4&15])+string("0123456789abcdef"[r&15]))
		} else {
			out += string(r)
		}
	}
	return out
}
