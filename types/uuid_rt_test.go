package types_test

import (
	"testing"

	"github.com/pgmoon-go/pgmoon/types"
)

var uuidRTCases = []rtCase{
	{Type: "uuid", Literal: "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", Value: uuidA},
	{Type: "uuid", Literal: "NULL", Value: nil, Want: (*types.UUID)(nil)},
	{Type: "uuid", Literal: "'00000000-0000-0000-0000-000000000000'", Value: types.UUID{}},
	{Type: "uuid", Literal: "'ffffffff-ffff-ffff-ffff-ffffffffffff'", Value: "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF",
		Want: types.UUID{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
	{Type: "uuid", Literal: "'{A0EEBC99-9C0B4EF8-BB6D6BB9-BD380A11}'", Value: "a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11", Want: uuidA},
	{Type: "uuid", Literal: "'a0eebc999c0b4ef8bb6d6bb9bd380a11'", Value: "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}",
		Want: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},
	{Type: "uuid", Literal: "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", Value: [16]byte(uuidA)},
	{Type: "uuid", Literal: "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", Value: uuidA[:], Want: uuidA[:]},
	{Type: "uuid", Literal: "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", Value: &uuidA, Want: &uuidA},
}

func TestRoundTripUUID(t *testing.T) {
	runRoundTrip(t, uuidRTCases)
}

func TestUUIDBinaryEncodingMatchesSend(t *testing.T) {
	txCheckSend(t, []txSendCase{
		{"uuid", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", uuidA},
		{"uuid", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", "{A0EEBC99-9C0B4EF8-BB6D6BB9-BD380A11}"},
		{"uuid", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", uuidA[:]},
	})
}
