//go:build !go1.22
// +build !go1.22

package main

const article = "an"
