package journalfile

import (
	"bytes"
	"encoding/binary"
	"io"
	"sync"

	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
	"github.com/ulikunitz/xz"
)

// payloadLimit is MaxPayload; the fuzz target lowers it.
var payloadLimit uint64 = MaxPayload

var (
	zstdOnce sync.Once
	zstdDec  *zstd.Decoder
	zstdErr  error
)

// decompressZSTD decodes a zstd frame as journald's compress_blob_zstd
// writes it.
func decompressZSTD(src []byte) ([]byte, error) {
	zstdOnce.Do(func() {
		zstdDec, zstdErr = zstd.NewReader(nil, zstd.WithDecoderConcurrency(1),
			zstd.WithDecoderMaxMemory(payloadLimit))
	})
	if zstdErr != nil {
		return nil, zstdErr
	}
	out, err := zstdDec.DecodeAll(src, nil)
	if err != nil {
		return nil, corrupt("zstd: %v", err)
	}
	if uint64(len(out)) > payloadLimit {
		return nil, corrupt("zstd payload too large")
	}
	return out, nil
}

// decompressXZ decodes an xz stream (compress_blob_xz).
func decompressXZ(src []byte) ([]byte, error) {
	r, err := xz.NewReader(bytes.NewReader(src))
	if err != nil {
		return nil, corrupt("xz: %v", err)
	}
	return readLimited(r)
}

func readLimited(r io.Reader) ([]byte, error) {
	out, err := io.ReadAll(io.LimitReader(r, int64(payloadLimit)+1))
	if err != nil {
		return nil, corrupt("decompress: %v", err)
	}
	if uint64(len(out)) > payloadLimit {
		return nil, corrupt("payload too large")
	}
	return out, nil
}

// decompressLZ4 decodes compress_blob_lz4's format: the uncompressed size
// as le64, then one LZ4 block.
func decompressLZ4(src []byte) ([]byte, error) {
	if len(src) <= 8 {
		return nil, corrupt("lz4 payload too short")
	}
	n := binary.LittleEndian.Uint64(src)
	// An LZ4 block expands at most about 255-fold.
	if n > payloadLimit || n > uint64(len(src)-8)*255+64 {
		return nil, corrupt("lz4 size %d implausible", n)
	}
	dst := make([]byte, n)
	got, err := lz4.UncompressBlock(src[8:], dst)
	if err != nil || uint64(got) != n {
		return nil, corrupt("lz4: bad block")
	}
	return dst, nil
}
