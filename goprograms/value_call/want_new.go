//go:build go1.27
// +build go1.27

package main

const newMethod, newVariant = "Value.New", "go1.27+ names Value.New"
