//go:build !catalog

package pgmoon

// loadUnknownTypes is replaced by the catalog loader (catalog.go).
func (c *Conn) loadUnknownTypes(paramOIDs []uint32, fields []FieldDescription) error { return nil }
