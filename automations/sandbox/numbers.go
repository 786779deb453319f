package sandbox

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Tracking numbers are generated from the public format rules: each one
// passes its carrier's check-digit algorithm.

const alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// charValue is the value a character has in the mod-10 check: digits are
// themselves, letters are (ASCII code - 3) mod 10.
func charValue(c byte) int {
	if c >= '0' && c <= '9' {
		return int(c - '0')
	}
	return (int(c) - 3) % 10
}

// mod10 computes a weighted mod-10 check digit over serial.
func mod10(serial string, evens, odds int, reverse bool) int {
	s := []byte(serial)
	if reverse {
		for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
			s[i], s[j] = s[j], s[i]
		}
	}
	total := 0
	for i, c := range s {
		w := evens
		if i%2 == 1 {
			w = odds
		}
		total += charValue(c) * w
	}
	return (10 - total%10) % 10
}

func digits(r *rand.Rand, n int) string {
	var b strings.Builder
	for range n {
		b.WriteByte(byte('0' + r.IntN(10)))
	}
	return b.String()
}

var upsServiceCodes = []string{"01", "02", "03", "12", "13", "YW", "66"}

// newUPSNumber returns a 1Z number: 1Z + shipper(6) + service(2) + package(7) + check.
func newUPSNumber(r *rand.Rand) string {
	var shipper strings.Builder
	for range 6 {
		shipper.WriteByte(alnum[r.IntN(len(alnum))])
	}
	serial := shipper.String() + upsServiceCodes[r.IntN(len(upsServiceCodes))] + digits(r, 7)
	return fmt.Sprintf("1Z%s%d", serial, mod10(serial, 1, 2, false))
}

// newFedExNumber returns a 12-digit FedEx Express number.
func newFedExNumber(r *rand.Rand) string {
	serial := fmt.Sprintf("%d", 2+r.IntN(8)) + digits(r, 10)
	return serial + fmt.Sprint(fedex12Check(serial))
}

func fedex12Check(serial string) int {
	weights := []int{3, 1, 7, 3, 1, 7, 3, 1, 7, 3, 1}
	sum := 0
	for i := 0; i < len(serial) && i < len(weights); i++ {
		sum += int(serial[i]-'0') * weights[i]
	}
	return (sum % 11) % 10
}

var uspsServiceTypes = []string{"001", "055", "023", "361"}

// newUSPSNumber returns a 22-digit IMpb number: 94 + service(3) +
// 9-digit mailer id starting with 9 + package(7) + GS1 mod-10 check.
func newUSPSNumber(r *rand.Rand) string {
	serial := "94" + uspsServiceTypes[r.IntN(len(uspsServiceTypes))] + "9" + digits(r, 8) + digits(r, 7)
	return serial + fmt.Sprint(mod10(serial, 3, 1, true))
}

// newDHLNumber returns a 10-digit DHL Express number: 9 digits + (serial mod 7).
func newDHLNumber(r *rand.Rand) string {
	serial := fmt.Sprintf("%d", 1+r.IntN(9)) + digits(r, 8)
	var v uint64
	for i := 0; i < len(serial); i++ {
		v = v*10 + uint64(serial[i]-'0')
	}
	return serial + fmt.Sprint(v%7)
}

func newTrackingNumber(r *rand.Rand, carrier string) string {
	switch carrier {
	case "ups":
		return newUPSNumber(r)
	case "fedex":
		return newFedExNumber(r)
	case "usps":
		return newUSPSNumber(r)
	default:
		return newDHLNumber(r)
	}
}
