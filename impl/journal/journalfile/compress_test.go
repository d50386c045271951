package journalfile

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/pierrec/lz4/v4"
	"github.com/ulikunitz/xz"
)

// 252's journald only writes zstd (its compile-time default), so XZ and
// LZ4 data objects, which older journald and other builds wrote, are
// checked against payloads made in their formats here: an .xz stream
// (compress_blob_xz) and the uncompressed size as le64 before one LZ4
// block (compress_blob_lz4).
func TestDecompressXZAndLZ4(t *testing.T) {
	payload := []byte("MESSAGE=" + string(bytes.Repeat([]byte("compress me "), 100)))

	var xb bytes.Buffer
	w, err := xz.WriterConfig{CheckSum: xz.None}.NewWriter(&xb)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(payload)
	w.Close()
	got, err := decompressXZ(xb.Bytes())
	if err != nil || !bytes.Equal(got, payload) {
		t.Errorf("xz: %v, %d bytes", err, len(got))
	}

	block := make([]byte, lz4.CompressBlockBound(len(payload)))
	n, err := lz4.CompressBlock(payload, block, nil)
	if err != nil || n == 0 {
		t.Fatalf("lz4 compress: %v", err)
	}
	src := binary.LittleEndian.AppendUint64(nil, uint64(len(payload)))
	src = append(src, block[:n]...)
	got, err = decompressLZ4(src)
	if err != nil || !bytes.Equal(got, payload) {
		t.Errorf("lz4: %v, %d bytes", err, len(got))
	}
	// A size the block does not fill, and one no block could reach.
	bad := append([]byte(nil), src...)
	binary.LittleEndian.PutUint64(bad, uint64(len(payload)+1))
	if _, err := decompressLZ4(bad); err == nil {
		t.Error("lz4 with a wrong size decoded")
	}
	binary.LittleEndian.PutUint64(bad, 1<<40)
	if _, err := decompressLZ4(bad); err == nil {
		t.Error("lz4 with an implausible size decoded")
	}
	if _, err := decompressXZ([]byte("not xz")); err == nil {
		t.Error("garbage decoded as xz")
	}
}
