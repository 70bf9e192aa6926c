//go:build !go1.27
// +build !go1.27

package main

const lengthMethod, lengthVariant = "Value.SetIndex", "before go1.27 names Value.SetIndex"
