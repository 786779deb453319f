package amazon

import (
	"fmt"

	"github.com/sellerops/sellerops/internal/apierr"
)

// apiName names the API in errors.
const apiName = "amazon SP-API"

func badInput(op, format string, args ...any) *apierr.Error {
	return &apierr.Error{API: apiName, Class: apierr.BadInput, Op: op, Message: fmt.Sprintf(format, args...)}
}
