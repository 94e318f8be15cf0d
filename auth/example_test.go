package auth_test

import (
	"fmt"
	"log"

	"github.com/pgmoon-go/pgmoon/auth"
	"github.com/xdg-go/scram"
)

func ExampleMD5Password() {
	// The server sent AuthenticationMD5Password with salt 01 02 03 04; the
	// PasswordMessage carries:
	fmt.Println(auth.MD5Password("alice", "s3cret", [4]byte{1, 2, 3, 4}))
	// Output: md5b79948bbeb35dee03ab8fe15a839030b
}

func ExampleUnsupportedError() {
	err := &auth.UnsupportedError{Method: auth.MethodName(auth.CodeGSS)}
	fmt.Println(err)
	// Output: auth: server requested GSSAPI authentication, which pgmoon does not support
}

// This example drives a SCRAM-SHA-256 exchange the way the connection code
// does, against an in-memory SCRAM server standing in for PostgreSQL.
func ExampleChooseSASL() {
	server := newSCRAMServer("s3cret")

	// AuthenticationSASL lists the mechanisms; PostgreSQL over TLS offers
	// SCRAM-SHA-256-PLUS first.
	mech, err := auth.ChooseSASL([]string{"SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"}, "alice", "s3cret")
	if err != nil {
		log.Fatal(err)
	}
	// SASLInitialResponse carries mech.Name() and the client-first-message.
	clientFirst, err := mech.Start()
	if err != nil {
		log.Fatal(err)
	}
	// AuthenticationSASLContinue carries the server-first-message; the answer
	// goes back in SASLResponse.
	serverFirst, _ := server.Step(string(clientFirst))
	clientFinal, err := mech.Next([]byte(serverFirst))
	if err != nil {
		log.Fatal(err)
	}
	// AuthenticationSASLFinal carries the server's signature.
	serverFinal, _ := server.Step(string(clientFinal))
	if _, err := mech.Next([]byte(serverFinal)); err != nil {
		log.Fatal(err)
	}
	// Only now may AuthenticationOk be believed.
	fmt.Println(mech.Name(), mech.Complete())
	// Output: SCRAM-SHA-256 true
}

func newSCRAMServer(password string) *scram.ServerConversation {
	client, err := scram.SHA256.NewClient("", password, "")
	if err != nil {
		log.Fatal(err)
	}
	creds, err := client.GetStoredCredentialsWithError(scram.KeyFactors{Salt: "0123456789abcdef", Iters: 4096})
	if err != nil {
		log.Fatal(err)
	}
	server, err := scram.SHA256.NewServer(func(string) (scram.StoredCredentials, error) { return creds, nil })
	if err != nil {
		log.Fatal(err)
	}
	return server.NewConversation()
}
