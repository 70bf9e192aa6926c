//go:build !go1.27
// +build !go1.27

package main

const newMethod, newVariant = "Value.Invoke", "before go1.27 names Value.Invoke"
