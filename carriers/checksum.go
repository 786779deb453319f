package carriers

import "strings"

// Checksum algorithm names, as the public tracking-number data set spells them.
const (
	AlgoMod10      = "mod10"
	AlgoMod7       = "mod7"
	AlgoLuhn       = "luhn"
	AlgoS10        = "s10"
	AlgoSumProduct = "sum_product_with_weightings_and_modulo"
	AlgoMod3736    = "mod_37_36"
)

// Checksum names a check-digit algorithm and its parameters.
type Checksum struct {
	Algorithm string
	// Modulo is the modulus for mod10, mod7, luhn, s10 and mod_37_36;
	// for sum_product it is the first modulus.
	Modulo int
	// Modulo2 is the second modulus of sum_product.
	Modulo2 int
	// EvensMultiplier and OddsMultiplier weight 0-based even and odd
	// positions for mod10.
	EvensMultiplier int
	OddsMultiplier  int
	// Reverse reverses the serial before mod10 weighting.
	Reverse bool
	// Weightings are the per-position weights of s10 and sum_product.
	Weightings []int
}

// check reports whether checkDigit is the right check character for serial.
// It never panics, whatever the input.
func (c *Checksum) check(serial, checkDigit string) bool {
	if c == nil {
		return true
	}
	switch c.Algorithm {
	case AlgoMod10:
		return c.mod10(serial, checkDigit)
	case AlgoMod7:
		return mod7(serial, checkDigit)
	case AlgoLuhn:
		return luhn(serial, checkDigit)
	case AlgoS10:
		return c.s10(serial, checkDigit)
	case AlgoSumProduct:
		return c.sumProduct(serial, checkDigit)
	case AlgoMod3736:
		return mod3736(serial, checkDigit)
	}
	return false
}

// charValue gives a digit its own value and a letter (ASCII code - 3) mod 10.
func charValue(r byte) (int, bool) {
	switch {
	case r >= '0' && r <= '9':
		return int(r - '0'), true
	case r >= 'A' && r <= 'Z':
		return (int(r) - 3) % 10, true
	}
	return 0, false
}

func digitOf(s string) (int, bool) {
	if len(s) != 1 || s[0] < '0' || s[0] > '9' {
		return 0, false
	}
	return int(s[0] - '0'), true
}

func (c *Checksum) mod10(serial, checkDigit string) bool {
	want, ok := digitOf(checkDigit)
	if !ok {
		return false
	}
	b := []byte(serial)
	if c.Reverse {
		for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
			b[i], b[j] = b[j], b[i]
		}
	}
	total := 0
	for i, r := range b {
		v, ok := charValue(r)
		if !ok {
			return false
		}
		if i%2 == 0 {
			total += v * c.EvensMultiplier
		} else {
			total += v * c.OddsMultiplier
		}
	}
	m := c.Modulo
	if m == 0 {
		m = 10
	}
	return (m-total%m)%m == want
}

func mod7(serial, checkDigit string) bool {
	want, ok := digitOf(checkDigit)
	if !ok || serial == "" {
		return false
	}
	rem := 0
	for i := 0; i < len(serial); i++ {
		d, ok := digitOf(serial[i : i+1])
		if !ok {
			return false
		}
		rem = (rem*10 + d) % 7
	}
	return rem == want
}

func luhn(serial, checkDigit string) bool {
	want, ok := digitOf(checkDigit)
	if !ok {
		return false
	}
	sum := 0
	double := true // the rightmost serial digit sits next to the check digit
	for i := len(serial) - 1; i >= 0; i-- {
		d, ok := digitOf(serial[i : i+1])
		if !ok {
			return false
		}
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return (10-sum%10)%10 == want
}

func (c *Checksum) s10(serial, checkDigit string) bool {
	want, ok := digitOf(checkDigit)
	if !ok || len(serial) != len(c.Weightings) {
		return false
	}
	sum := 0
	for i := 0; i < len(serial); i++ {
		d, ok := digitOf(serial[i : i+1])
		if !ok {
			return false
		}
		sum += d * c.Weightings[i]
	}
	m := c.Modulo
	if m == 0 {
		m = 11
	}
	var got int
	switch r := sum % m; r {
	case 0:
		got = 5
	case 1:
		got = 0
	default:
		got = m - r
	}
	return got == want
}

func (c *Checksum) sumProduct(serial, checkDigit string) bool {
	want, ok := digitOf(checkDigit)
	if !ok || c.Modulo == 0 || c.Modulo2 == 0 {
		return false
	}
	sum := 0
	for i := 0; i < len(serial) && i < len(c.Weightings); i++ {
		d, ok := digitOf(serial[i : i+1])
		if !ok {
			return false
		}
		sum += d * c.Weightings[i]
	}
	return (sum%c.Modulo)%c.Modulo2 == want
}

const alphabet3736 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

func mod3736(serial, checkDigit string) bool {
	if len(checkDigit) != 1 {
		return false
	}
	p := 36
	for i := 0; i < len(serial); i++ {
		v := strings.IndexByte(alphabet3736, serial[i])
		if v < 0 {
			return false
		}
		p += v
		if p > 36 {
			p -= 36
		}
		p *= 2
		if p > 36 {
			p -= 37
		}
	}
	c := 37 - p
	if c == 36 {
		c = 0
	}
	if c < 0 || c >= len(alphabet3736) {
		return false
	}
	return alphabet3736[c] == checkDigit[0]
}
