package protocol

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// messageCase is one table entry for checkMessage.
type messageCase struct {
	name string
	msg  Message
	// fresh returns an empty message of the same type to decode into.
	fresh func() Message
	// untyped marks startup-phase messages (no type byte).
	untyped bool
	// bodyPrefixOK marks messages whose body is not self-delimiting (e.g.
	// CopyData, whose payload is "the rest"), so a strict prefix of the
	// body is itself a valid body. Framed prefixes are still rejected.
	bodyPrefixOK bool
}

// checkMessage round-trips a message through Encode, the framing Reader and
// Decode, and requires every strict prefix of the encoding to be rejected.
func checkMessage(t *testing.T, tc messageCase) {
	t.Helper()
	enc, err := tc.msg.Encode(nil)
	if err != nil {
		t.Fatalf("Encode: %v", err)
	}
	// Encode appends: a non-empty dst is kept intact.
	prefixed, err := tc.msg.Encode([]byte("xyz"))
	if err != nil || !bytes.Equal(prefixed[:3], []byte("xyz")) || !bytes.Equal(prefixed[3:], enc) {
		t.Fatalf("Encode onto a non-empty buffer: got %q, %v; want %q", prefixed, err, append([]byte("xyz"), enc...))
	}

	body := readOne(t, enc, tc.untyped)
	got := tc.fresh()
	if err := got.Decode(body); err != nil {
		t.Fatalf("Decode(%x): %v", body, err)
	}
	if diff := cmp.Diff(tc.msg, got); diff != "" {
		t.Errorf("round trip mismatch (-sent +decoded):\n%s", diff)
	}
	// Re-encoding the decoded message gives the same bytes.
	again, err := got.Encode(nil)
	if err != nil || !bytes.Equal(again, enc) {
		t.Errorf("re-encode: got %x, %v; want %x", again, err, enc)
	}

	// Every strict prefix of the framed encoding is rejected by the Reader.
	for k := 0; k < len(enc); k++ {
		r := NewReader(bytes.NewReader(enc[:k]))
		var err error
		if tc.untyped {
			_, err = r.NextUntyped()
		} else {
			_, _, err = r.Next()
		}
		if err == nil {
			t.Errorf("framed prefix of %d/%d bytes accepted", k, len(enc))
		} else if k > 0 && !errors.Is(err, io.ErrUnexpectedEOF) {
			// A length word of a startup message may already be malformed
			// when cut; anything but silent acceptance is fine there.
			var pe *ProtocolError
			if !errors.As(err, &pe) {
				t.Errorf("framed prefix of %d/%d bytes: unexpected error %v", k, len(enc), err)
			}
		}
	}
	// Every strict prefix of a self-delimiting body is rejected by Decode
	// with a typed error, never a panic.
	if !tc.bodyPrefixOK {
		for k := 0; k < len(body); k++ {
			cut := append([]byte(nil), body[:k]...)
			err := tc.fresh().Decode(cut)
			if err == nil {
				t.Errorf("body prefix of %d/%d bytes accepted: %x", k, len(body), cut)
				continue
			}
			var pe *ProtocolError
			if !errors.As(err, &pe) || !errors.Is(err, ErrMalformed) {
				t.Errorf("body prefix of %d/%d bytes: error %v is not an ErrMalformed ProtocolError", k, len(body), err)
			}
		}
	}
	// Trailing garbage after a complete body is rejected too, except where
	// the body is "the rest".
	if !tc.bodyPrefixOK {
		long := append(append([]byte(nil), body...), 0x7f)
		if err := tc.fresh().Decode(long); err == nil {
			t.Errorf("body with a trailing byte accepted")
		}
	}
}

// readOne frames enc through a Reader and returns the single message's body.
func readOne(t *testing.T, enc []byte, untyped bool) []byte {
	t.Helper()
	r := NewReader(bytes.NewReader(enc))
	var body []byte
	var err error
	if untyped {
		body, err = r.NextUntyped()
	} else {
		_, body, err = r.Next()
	}
	if err != nil {
		t.Fatalf("Reader: %v", err)
	}
	if r.Buffered() != 0 {
		t.Fatalf("Reader left %d bytes after one message", r.Buffered())
	}
	if untyped {
		if _, err := r.NextUntyped(); err != io.EOF {
			t.Fatalf("after the only message: %v, want io.EOF", err)
		}
	} else if _, _, err := r.Next(); err != io.EOF {
		t.Fatalf("after the only message: %v, want io.EOF", err)
	}
	return body
}

func TestModelMessages(t *testing.T) {
	for _, tc := range []messageCase{
		{name: "Query", msg: &Query{SQL: "select 1; select 2"}, fresh: func() Message { return &Query{} }},
		{name: "Query/empty", msg: &Query{SQL: ""}, fresh: func() Message { return &Query{} }},
		{name: "ReadyForQuery/I", msg: &ReadyForQuery{TxStatus: TxIdle}, fresh: func() Message { return &ReadyForQuery{} }},
		{name: "ReadyForQuery/E", msg: &ReadyForQuery{TxStatus: TxFailed}, fresh: func() Message { return &ReadyForQuery{} }},
		{name: "DataRow", msg: &DataRow{Values: [][]byte{[]byte("1"), nil, {}, []byte("three")}}, fresh: func() Message { return &DataRow{} }},
		{name: "DataRow/none", msg: &DataRow{Values: nil}, fresh: func() Message { return &DataRow{} }},
		{name: "CopyData", msg: &CopyData{Data: []byte("1\tone\n")}, fresh: func() Message { return &CopyData{} }, bodyPrefixOK: true},
	} {
		t.Run(tc.name, func(t *testing.T) { checkMessage(t, tc) })
	}
}

func TestQueryRefusesNUL(t *testing.T) {
	dst := []byte("keep")
	out, err := (&Query{SQL: "select\x001"}).Encode(dst)
	if !errors.Is(err, ErrInvalidValue) {
		t.Fatalf("err = %v, want ErrInvalidValue", err)
	}
	if string(out) != "keep" {
		t.Fatalf("buffer after refused encode = %q, want %q", out, "keep")
	}
}

func TestDataRowRejectsBadLengths(t *testing.T) {
	for _, tc := range []struct {
		name string
		body []byte
	}{
		{"negative column count", []byte{0xFF, 0xFF}},
		{"value length -2", []byte{
			0x00, 0x01, // column count = 1
			0xFF, 0xFF, 0xFF, 0xFE, // value length = -2
		}},
		{"value longer than body", []byte{
			0x00, 0x01, // column count = 1
			0x00, 0x00, 0x00, 0x10, // value length = 16
			'a', 'b',
		}},
		{"count larger than body could hold", []byte{
			0x7F, 0xFF, // column count = 32767, needs >= 131068 bytes
			0xFF, 0xFF, 0xFF, 0xFF,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := new(DataRow).Decode(tc.body)
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("err = %v, want ErrMalformed", err)
			}
		})
	}
}

func TestReaderLimits(t *testing.T) {
	t.Run("too large before allocation", func(t *testing.T) {
		// 'D' with length 0x7FFFFFFF: must be refused without reading on.
		r := NewReader(bytes.NewReader([]byte{'D', 0x7F, 0xFF, 0xFF, 0xFF}))
		_, _, err := r.Next()
		if !errors.Is(err, ErrTooLarge) {
			t.Fatalf("err = %v, want ErrTooLarge", err)
		}
	})
	t.Run("configurable limit", func(t *testing.T) {
		enc, _ := (&Query{SQL: "select 12345"}).Encode(nil)
		r := NewReader(bytes.NewReader(enc))
		r.SetMaxMessageSize(5)
		if _, _, err := r.Next(); !errors.Is(err, ErrTooLarge) {
			t.Fatalf("err = %v, want ErrTooLarge", err)
		}
	})
	t.Run("length below 4", func(t *testing.T) {
		r := NewReader(bytes.NewReader([]byte{'Z', 0, 0, 0, 3}))
		if _, _, err := r.Next(); !errors.Is(err, ErrMalformed) {
			t.Fatalf("err = %v, want ErrMalformed", err)
		}
	})
	t.Run("negative length", func(t *testing.T) {
		r := NewReader(bytes.NewReader([]byte{'Z', 0xFF, 0xFF, 0xFF, 0xFF}))
		if _, _, err := r.Next(); !errors.Is(err, ErrMalformed) {
			t.Fatalf("err = %v, want ErrMalformed", err)
		}
	})
	t.Run("large message then small buffers", func(t *testing.T) {
		big := bytes.Repeat([]byte("x"), 1<<20)
		var stream []byte
		stream, _ = (&CopyData{Data: big}).Encode(stream)
		stream, _ = (&ReadyForQuery{TxStatus: TxIdle}).Encode(stream)
		r := NewReader(iotestOneByteAtATime(bytes.NewReader(stream), 64<<10))
		typ, body, err := r.Next()
		if err != nil || typ != 'd' || !bytes.Equal(body, big) {
			t.Fatalf("big message: %c %d %v", typ, len(body), err)
		}
		typ, body, err = r.Next()
		if err != nil || typ != 'Z' || string(body) != "I" {
			t.Fatalf("small message: %c %q %v", typ, body, err)
		}
	})
}

// iotestOneByteAtATime returns a reader that returns at most n bytes per Read.
func iotestOneByteAtATime(r io.Reader, n int) io.Reader { return &chunkReader{r, n} }

type chunkReader struct {
	r io.Reader
	n int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(p) > c.n {
		p = p[:c.n]
	}
	return c.r.Read(p)
}

func TestWriterBatches(t *testing.T) {
	var cw countingWriter
	w := NewWriter(&cw)
	for _, m := range []Message{&Query{SQL: "select 1"}, &Query{SQL: "select 2"}, &CopyData{Data: []byte("x")}} {
		if err := w.Append(m); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Append(&Query{SQL: "bad\x00"}); err == nil {
		t.Fatal("NUL in query accepted")
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if cw.writes != 1 {
		t.Fatalf("%d writes, want 1", cw.writes)
	}
	r := NewReader(bytes.NewReader(cw.buf.Bytes()))
	var types []byte
	for {
		typ, _, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		types = append(types, typ)
	}
	if string(types) != "QQd" {
		t.Fatalf("messages %q, want %q", types, "QQd")
	}
}

type countingWriter struct {
	buf    bytes.Buffer
	writes int
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.writes++
	return c.buf.Write(p)
}

// A peer that announces a huge message but sends little must not make the
// Reader allocate the announced size.
func TestReaderGrowsWithArrivingBytes(t *testing.T) {
	header := []byte{'d', 0x3F, 0xFF, 0xFF, 0xFF} // CopyData, length = 1 GiB - 1
	stream := append(header, bytes.Repeat([]byte("x"), 100<<10)...)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	r := NewReader(bytes.NewReader(stream))
	_, _, err := r.Next()
	runtime.ReadMemStats(&after)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("err = %v, want io.ErrUnexpectedEOF", err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 4<<20 {
		t.Fatalf("allocated %d bytes for 100 KiB of input", grew)
	}
}

// Bytes of the next message buffered behind a large one survive the
// buffer's shrinking back.
func TestReaderKeepsPipelinedBytesWhenShrinking(t *testing.T) {
	var stream []byte
	stream, _ = (&CopyData{Data: bytes.Repeat([]byte("a"), 1<<20)}).Encode(stream)
	for i := 0; i < 3000; i++ {
		stream, _ = (&CopyData{Data: []byte("0123456789")}).Encode(stream)
	}
	r := NewReader(bytes.NewReader(stream))
	if _, body, err := r.Next(); err != nil || len(body) != 1<<20 {
		t.Fatalf("first: %d %v", len(body), err)
	}
	for i := 0; i < 3000; i++ {
		typ, body, err := r.Next()
		if err != nil || typ != 'd' || string(body) != "0123456789" {
			t.Fatalf("message %d: %c %q %v", i, typ, body, err)
		}
	}
	if _, _, err := r.Next(); err != io.EOF {
		t.Fatalf("end: %v", err)
	}
}

// scriptedReader returns its chunks one Read at a time; a nil chunk is a
// read that fails with errStall, as a deadline would.
type scriptedReader struct{ chunks [][]byte }

var errStall = errors.New("i/o timeout (scripted)")

func (s *scriptedReader) Read(p []byte) (int, error) {
	if len(s.chunks) == 0 {
		return 0, io.EOF
	}
	c := s.chunks[0]
	if c == nil {
		s.chunks = s.chunks[1:]
		return 0, errStall
	}
	n := copy(p, c)
	if n == len(c) {
		s.chunks = s.chunks[1:]
	} else {
		s.chunks[0] = c[n:]
	}
	return n, nil
}

// A read that fails part-way through a message (a deadline used to stop a
// wait) consumes nothing: the next call returns the whole message. Every
// split point is tried, inside the header and inside the body.
func TestReaderResumesAfterReadError(t *testing.T) {
	msg, err := (&NotificationResponse{ProcessID: 7, Channel: "chan", Payload: "payload"}).Encode(nil)
	if err != nil {
		t.Fatal(err)
	}
	next, _ := (&ReadyForQuery{TxStatus: 'I'}).Encode(nil)
	for split := 0; split < len(msg); split++ {
		r := NewReader(&scriptedReader{chunks: [][]byte{msg[:split], nil, msg[split:], next}})
		if split == 0 {
			r = NewReader(&scriptedReader{chunks: [][]byte{nil, msg, next}})
		}
		if _, _, err := r.Next(); !errors.Is(err, errStall) {
			t.Fatalf("split %d: first Next: err = %v, want the stall", split, err)
		}
		typ, body, err := r.Next()
		if err != nil || typ != 'A' || !bytes.Equal(body, msg[5:]) {
			t.Fatalf("split %d: resumed Next = %c %q %v, want the whole NotificationResponse", split, typ, body, err)
		}
		if typ, _, err := r.Next(); err != nil || typ != 'Z' {
			t.Fatalf("split %d: following message = %c %v", split, typ, err)
		}
	}
}

// FuzzDataRowDecode checks DataRow's own loop against the general decoder
// it stands in for: the same values (NULL apart from empty), or an error
// from both.
func FuzzDataRowDecode(f *testing.F) {
	for _, vals := range [][][]byte{nil, {nil}, {{}}, {[]byte("a"), nil, []byte("bc")}, {bytes.Repeat([]byte("x"), 300)}} {
		enc, err := (&DataRow{Values: vals}).Encode(nil)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(enc[5:])
	}
	f.Add([]byte{0, 1, 0xFF, 0xFF, 0xFF, 0xFE}) // length -2
	f.Add([]byte{0, 2, 0, 0, 0, 1, 'a'})        // second value missing
	f.Add([]byte{0, 1, 0, 0, 0, 1, 'a', 'b'})   // a byte left over
	f.Add([]byte{0, 1, 0x7F, 0xFF, 0xFF, 0xFF}) // length past the end
	f.Fuzz(func(t *testing.T, body []byte) {
		var fast, slow DataRow
		fastErr, slowErr := fast.Decode(body), slow.decode(body)
		if (fastErr == nil) != (slowErr == nil) {
			t.Fatalf("Decode error %v, general decoder %v", fastErr, slowErr)
		}
		if fastErr != nil {
			return
		}
		if len(fast.Values) != len(slow.Values) {
			t.Fatalf("%d values, general decoder %d", len(fast.Values), len(slow.Values))
		}
		for i := range fast.Values {
			if (fast.Values[i] == nil) != (slow.Values[i] == nil) || !bytes.Equal(fast.Values[i], slow.Values[i]) {
				t.Fatalf("value %d: %q, general decoder %q", i, fast.Values[i], slow.Values[i])
			}
		}
	})
}

// A buffer grown for a large message is kept while large messages keep
// coming, so reading one after another allocates nothing more, and released
// after a run of small messages.
func TestReaderKeepsLargeBufferWhileNeeded(t *testing.T) {
	big, _ := (&CopyData{Data: bytes.Repeat([]byte("b"), 1<<20)}).Encode(nil)
	small, _ := (&CopyData{Data: []byte("0123456789")}).Encode(nil)
	var round []byte
	round = append(round, big...)
	for range 4 {
		round = append(round, small...)
	}
	pr, pw := io.Pipe()
	go func() {
		// One write per round, so the reader cannot see the next round
		// before it has consumed this one.
		for range 20 {
			pw.Write(round)
		}
		for range releaseAfterSmall + 10 {
			pw.Write(small)
		}
		pw.Close()
	}()
	r := NewReader(pr)
	readRound := func() {
		t.Helper()
		if _, body, err := r.Next(); err != nil || len(body) != 1<<20 {
			t.Fatalf("large: %d %v", len(body), err)
		}
		for range 4 {
			if _, body, err := r.Next(); err != nil || string(body) != "0123456789" {
				t.Fatalf("small: %q %v", body, err)
			}
		}
	}
	readRound() // grows the buffer
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range 19 {
		readRound()
	}
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 256<<10 {
		t.Errorf("19 more large messages allocated %d bytes; the grown buffer should serve them", grew)
	}
	for range releaseAfterSmall + 10 {
		if _, _, err := r.Next(); err != nil {
			t.Fatal(err)
		}
	}
	if len(r.buf) != defaultReadBufferSize {
		t.Errorf("buffer is %d bytes after %d small messages, want it back to %d", len(r.buf), releaseAfterSmall+10, defaultReadBufferSize)
	}
}
