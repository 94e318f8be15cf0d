package auth

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
)

// FuzzSCRAMTamper changes one byte of the RFC 7677 exchange's
// server-first-message or server-final-message (flips it, cuts the message
// there, or inserts a byte) as a man in the middle could
// (https://www.postgresql.org/docs/current/sasl-authentication.html). It
// must never panic, and the exchange must never complete unless the
// change left the message's meaning intact: a server-first-message is
// part of the signed AuthMessage, so no change to it may pass; a changed
// server-final-message may pass only if its verifier still decodes to the
// server signature.
func FuzzSCRAMTamper(f *testing.F) {
	f.Add(false, uint8(0), uint16(0), byte(1))
	f.Add(false, uint8(0), uint16(len(rfcServerFirst)-1), byte('1'^'2')) // i=4096 -> i=4095
	f.Add(false, uint8(1), uint16(len(rfcClientNonce)+2), byte(0))       // cut inside the server nonce
	f.Add(true, uint8(0), uint16(len(rfcServerFinal)-2), byte('4'^'5'))  // a verifier's unused low bits
	f.Add(true, uint8(2), uint16(len(rfcServerFinal)), byte(','))        // trailing extension
	f.Add(true, uint8(1), uint16(2), byte(0))
	wantSig, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(rfcServerFinal, "v="))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, final bool, op uint8, pos uint16, b byte) {
		first, last := rfcServerFirst, rfcServerFinal
		msg := &first
		if final {
			msg = &last
		}
		orig := *msg
		p := int(pos) % (len(orig) + 1)
		switch op % 3 {
		case 0: // flip
			if b == 0 || p == len(orig) {
				return
			}
			*msg = orig[:p] + string(orig[p]^b) + orig[p+1:]
		case 1: // cut
			if p == len(orig) {
				return
			}
			*msg = orig[:p]
		case 2: // insert
			*msg = orig[:p] + string([]byte{b}) + orig[p:]
		}
		m, err := newSCRAMSHA256(rfcPassword, scramOptions{user: rfcUser, nonce: rfcClientNonce, maxIterations: 8192})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Start(); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Next([]byte(first)); err != nil {
			return
		}
		if _, err := m.Next([]byte(last)); err != nil {
			if m.Complete() {
				t.Fatalf("Complete after an error: %v", err)
			}
			return
		}
		if !final {
			t.Fatalf("server-first-message changed to %q, and the exchange completed", first)
		}
		v, ok := strings.CutPrefix(last, "v=")
		if i := strings.IndexByte(v, ','); i >= 0 {
			v = v[:i] // extensions after the verifier are allowed
		}
		sig, err := base64.StdEncoding.DecodeString(v)
		if !ok || err != nil || !bytes.Equal(sig, wantSig) {
			t.Fatalf("server-final-message changed to %q, and the exchange completed", last)
		}
	})
}

// FuzzSASLChoose picks a mechanism from an arbitrary AuthenticationSASL
// list (NUL-separated names) under each channel_binding policy, on a
// connection without TLS. It must never panic; it may only pick
// SCRAM-SHA-256, only when offered and the policy is not require; and an
// error must quote each offered name clipped, never at full length.
func FuzzSASLChoose(f *testing.F) {
	f.Add([]byte("SCRAM-SHA-256\x00SCRAM-SHA-256-PLUS"), uint8(0))
	f.Add([]byte("SCRAM-SHA-256-PLUS"), uint8(2))
	f.Add([]byte(strings.Repeat("X", 500)+"\x00"), uint8(1))
	f.Add([]byte(""), uint8(3))
	policies := []string{"", ChannelBindingDisable, ChannelBindingPrefer, ChannelBindingRequire, "bogus"}
	f.Fuzz(func(t *testing.T, list []byte, pol uint8) {
		var offered []string
		if len(list) > 0 {
			offered = strings.Split(string(list), "\x00")
		}
		policy := policies[int(pol)%len(policies)]
		mech, err := SASLConfig{User: "u", Password: "pw", ChannelBinding: policy}.Choose(offered)
		if err != nil {
			if mech != nil {
				t.Fatalf("mechanism %s with error %v", mech.Name(), err)
			}
			if len(err.Error()) > 300+(4*67+4)*len(offered) { // %q of 64 bytes and "...": at most 4 bytes each
				t.Fatalf("error of %d bytes for %d names offered", len(err.Error()), len(offered))
			}
			return
		}
		hasPlain := false
		for _, o := range offered {
			hasPlain = hasPlain || o == mechSCRAMSHA256
		}
		if mech.Name() != mechSCRAMSHA256 || !hasPlain || policy == ChannelBindingRequire || policy == "bogus" {
			t.Fatalf("policy %q, offered %q: chose %s", policy, offered, mech.Name())
		}
	})
}
