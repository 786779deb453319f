// Package integration holds the test that talks to the real Secret Service.
// It lives apart from package secrets because those unit tests replace the
// keyring with an in-memory mock for the whole test binary.
package integration
