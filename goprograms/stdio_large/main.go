// Command stdio_large writes 1 MiB to stdout in one Write (a single line of a repeating
// pattern between markers), then 1 MiB as 16384 lines of 64 bytes in 64 KiB writes, then
// 256 KiB to stderr, and reports the counts; the case checks the markers and the summary
// lines, and each Write must report the full length.
// Contract: fs.write of large buffers (go-js-abi §3 os).
package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"
)

func main() {
	line := bytes.Repeat([]byte("0123456789abcdef"), 1<<16)
	copy(line, "BEGIN")
	copy(line[len(line)-3:], "END")
	n1, err1 := os.Stdout.Write(append(line, '\n'))
	var buf bytes.Buffer
	total := 0
	for i := 0; i < 16384; i++ {
		fmt.Fprintf(&buf, "%05d %s\n", i, strings.Repeat("x", 57))
		if buf.Len() >= 64<<10 {
			n, _ := os.Stdout.Write(buf.Bytes())
			total += n
			buf.Reset()
		}
	}
	n, _ := os.Stdout.Write(buf.Bytes())
	total += n
	n3, err3 := os.Stderr.Write(append(bytes.Repeat([]byte("e"), 256<<10-1), '\n'))
	fmt.Println("one write:", n1, err1)
	fmt.Println("line writes:", total)
	fmt.Println("stderr write:", n3, err3)
}
