package protocol

import "io"

// Writer batches encoded messages and sends them to the underlying writer in
// one Write call per Flush.
type Writer struct {
	w   io.Writer
	buf []byte
}

// NewWriter returns a Writer that writes to w.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: w, buf: make([]byte, 0, 4096)}
}

// Append encodes msg onto the pending batch. A message that cannot be
// encoded (for example one longer than the int32 length word allows) is
// refused and leaves the batch as it was.
func (w *Writer) Append(msg Message) error {
	buf, err := msg.Encode(w.buf)
	w.buf = buf
	return err
}

// Buffered reports the number of bytes waiting to be flushed.
func (w *Writer) Buffered() int { return len(w.buf) }

// Pending returns the bytes waiting to be flushed; valid until the next call
// to Append, Flush or Reset.
func (w *Writer) Pending() []byte { return w.buf }

// Reset drops the pending batch without writing it.
func (w *Writer) Reset() { w.buf = w.buf[:0] }

// Flush writes the pending batch in one Write call and empties it. After an
// error the batch is dropped, since an unknown part of it may have been
// written.
func (w *Writer) Flush() error {
	if len(w.buf) == 0 {
		return nil
	}
	_, err := w.w.Write(w.buf)
	if cap(w.buf) > keepReadBufferSize {
		w.buf = make([]byte, 0, 4096)
	} else {
		w.buf = w.buf[:0]
	}
	return err
}
