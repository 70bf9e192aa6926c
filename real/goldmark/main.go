// Command goldmark renders Markdown files to HTML with github.com/yuin/goldmark: a small
// main of ours around the library, as a real program would have.
//
//	goldmark [-gfm] [-toc] [-o OUT] FILE...
//
// Each FILE is rendered in turn to stdout, or to OUT. -gfm turns on GitHub Flavored
// Markdown (tables, strikethrough, task lists, autolinks), -toc prints the headings first.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
)

func main() {
	gfm := flag.Bool("gfm", false, "GitHub Flavored Markdown")
	toc := flag.Bool("toc", false, "print the headings first")
	out := flag.String("o", "", "write to this file instead of stdout")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "goldmark: no input files")
		os.Exit(2)
	}
	var exts []goldmark.Extender
	if *gfm {
		exts = append(exts, extension.GFM, extension.Footnote, extension.DefinitionList)
	}
	md := goldmark.New(
		goldmark.WithExtensions(exts...),
		goldmark.WithParserOptions(parser.WithAutoHeadingID()),
		goldmark.WithRendererOptions(html.WithUnsafe()),
	)
	var buf bytes.Buffer
	for _, name := range flag.Args() {
		src, err := os.ReadFile(name)
		if err != nil {
			fmt.Fprintf(os.Stderr, "goldmark: %v\n", err)
			os.Exit(1)
		}
		doc := md.Parser().Parse(text.NewReader(src))
		if *toc {
			ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
				if h, ok := n.(*ast.Heading); ok && entering {
					id, _ := h.AttributeString("id")
					fmt.Fprintf(&buf, "%s- %s (#%s)\n", strings.Repeat("  ", h.Level-1), h.Text(src), id)
				}
				return ast.WalkContinue, nil
			})
		}
		if err := md.Renderer().Render(&buf, src, doc); err != nil {
			fmt.Fprintf(os.Stderr, "goldmark: %s: %v\n", name, err)
			os.Exit(1)
		}
	}
	if *out != "" {
		if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
			fmt.Fprintf(os.Stderr, "goldmark: %v\n", err)
			os.Exit(1)
		}
		fmt.Printf("wrote %d bytes to %s\n", buf.Len(), *out)
		return
	}
	os.Stdout.Write(buf.Bytes())
}
