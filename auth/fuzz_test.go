package auth

import (
	"strings"
	"testing"
)

// FuzzSCRAMServerFirst feeds arbitrary server-first and server-final
// messages to a started exchange. It must never panic, must never produce a
// client-final-message for a message that fails the checks, and may report
// Complete only after a server-final-message was accepted.
func FuzzSCRAMServerFirst(f *testing.F) {
	f.Add(rfcServerFirst, rfcServerFinal)
	f.Add(rfcServerFirst, "e=invalid-proof")
	f.Add(rfcServerFirst+",x=ext", rfcServerFinal+",y=ext")
	f.Add("m=ext,"+rfcServerFirst, rfcServerFinal)
	f.Add("r="+rfcClientNonce+"x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4095", "")
	f.Add("r="+rfcClientNonce+"x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=10000001", "")
	f.Add("r="+rfcClientNonce+"x,s=,i=4096", "v=")
	f.Add("r=,s=,i=", "v=,e=")
	f.Add("", "")
	f.Add(",,,", ",")
	f.Fuzz(func(t *testing.T, serverFirst, serverFinal string) {
		// A low iteration ceiling keeps each run cheap; the real bound is
		// covered by TestSCRAMSHA256IterationBounds.
		m, err := newSCRAMSHA256(rfcPassword, scramOptions{user: rfcUser, nonce: rfcClientNonce, maxIterations: 8192})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Start(); err != nil {
			t.Fatal(err)
		}
		final, err := m.Next([]byte(serverFirst))
		if m.Complete() {
			t.Fatal("Complete after server-first")
		}
		if err != nil {
			if final != nil {
				t.Fatalf("client-final %q returned with error %v", final, err)
			}
			if _, err := m.Next([]byte(serverFinal)); err == nil {
				t.Fatal("failed exchange accepted a server-final-message")
			}
			return
		}
		if !strings.HasPrefix(string(final), "c=biws,r="+rfcClientNonce) {
			t.Fatalf("client-final = %q", final)
		}
		out, err := m.Next([]byte(serverFinal))
		if out != nil {
			t.Fatalf("server-final step returned data %q", out)
		}
		if (err == nil) != m.Complete() {
			t.Fatalf("err = %v but Complete = %v", err, m.Complete())
		}
		if err == nil && !strings.HasPrefix(serverFinal, "v=") {
			t.Fatalf("accepted server-final %q without a verifier", serverFinal)
		}
	})
}
