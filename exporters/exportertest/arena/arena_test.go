package arena

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReplaceKeepsARecordInItsPlaceWhenItFits(t *testing.T) {
	var c Chunks
	a := c.Add(Frame([]byte("first record")))
	b := c.Add(Frame([]byte("second")))

	same := c.Replace(a, Frame([]byte("shorter")))
	assert.Equal(t, a, same, "a shorter encoding takes the record's own bytes")
	body, _ := Unframe(c.At(a))
	assert.Equal(t, "shorter", string(body))
	body, _ = Unframe(c.At(b))
	assert.Equal(t, "second", string(body), "the next record untouched")

	moved := c.Replace(b, Frame([]byte("a longer second record")))
	assert.NotEqual(t, b, moved, "a longer one goes after the others")
	body, _ = Unframe(c.At(moved))
	assert.Equal(t, "a longer second record", string(body))
	body, _ = Unframe(c.At(a))
	assert.Equal(t, "shorter", string(body))
}

func TestDiskChunksHoldWhatHeapChunksHold(t *testing.T) {
	d, err := NewDisk(t.TempDir())
	require.NoError(t, err)
	onDisk, onHeap := Chunks{Disk: d}, Chunks{}
	var offs []uint64
	// Past several chunks (64 KB doubling), with records larger than a
	// chunk among them.
	for i := range 3000 {
		rec := bytes.Repeat([]byte(fmt.Sprintf("record %d;", i)), 1+i%50)
		if i%1000 == 999 {
			rec = bytes.Repeat([]byte("x"), 300<<10)
		}
		o1, o2 := onDisk.Add(Frame(rec)), onHeap.Add(Frame(rec))
		require.Equal(t, o2, o1, "the same places")
		offs = append(offs, o1)
	}
	for i, off := range offs {
		if i%7 == 0 {
			onDisk.Replace(off, Frame([]byte("short")))
			onHeap.Replace(off, Frame([]byte("short")))
		}
	}
	for _, off := range offs {
		want, _ := Unframe(onHeap.At(off))
		got, _ := Unframe(onDisk.At(off))
		require.Equal(t, want, got)
	}
	assert.Equal(t, onHeap.Len(), onDisk.Len())
	assert.Positive(t, d.Size())
	assert.Zero(t, d.Size()%4096, "whole pages")
	require.NoError(t, d.Close())
}
