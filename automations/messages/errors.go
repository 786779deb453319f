package messages

import "errors"

// ErrInvalidInput marks a bad value given by the operator (a template file,
// a template that needs a value the local data lacks). Package marketplace
// uses the same value, so errors.Is finds it whichever package wrapped it.
var ErrInvalidInput = errors.New("invalid input")
