package keyvault

import (
	"encoding/binary"
	"fmt"
)

// Sealed format, version 1 (all lengths big-endian):
//
//	version    1 byte  (formatV1)
//	keyIDLen   1 byte
//	keyID      keyIDLen bytes  (names the master key that wrapped the data key)
//	wrappedLen 2 bytes
//	wrapped    wrappedLen bytes (the data key as the KeyWrapper returned it)
//	nonce      12 bytes
//	ciphertext the rest (AES-256-GCM output including its 16-byte tag)
//
// The whole header is part of the data encryption's AAD, so no header byte
// can be changed without Open failing.
const formatV1 byte = 1

type header struct {
	version    byte
	keyID      string
	wrappedKey []byte
}

func (h header) appendTo(b []byte) []byte {
	b = append(b, h.version, byte(len(h.keyID)))
	b = append(b, h.keyID...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(h.wrappedKey)))
	return append(b, h.wrappedKey...)
}

// parseHeader splits sealed into its header and the rest (nonce+ciphertext).
func parseHeader(sealed []byte) (header, []byte, error) {
	var h header
	if len(sealed) < 2 {
		return h, nil, fmt.Errorf("%w: %d bytes", ErrMalformed, len(sealed))
	}
	h.version = sealed[0]
	if h.version != formatV1 {
		return h, nil, fmt.Errorf("%w: %d", ErrUnsupportedVersion, h.version)
	}
	rest := sealed[1:]
	idLen := int(rest[0])
	rest = rest[1:]
	if len(rest) < idLen+2 {
		return h, nil, fmt.Errorf("%w: key id truncated", ErrMalformed)
	}
	h.keyID, rest = string(rest[:idLen]), rest[idLen:]
	wrappedLen := int(binary.BigEndian.Uint16(rest))
	rest = rest[2:]
	if len(rest) < wrappedLen {
		return h, nil, fmt.Errorf("%w: wrapped key truncated", ErrMalformed)
	}
	h.wrappedKey, rest = rest[:wrappedLen], rest[wrappedLen:]
	return h, rest, nil
}

// dataAAD binds the ciphertext to the envelope header and the caller's aad.
// The header is self-delimiting, so header||aad is unambiguous.
func dataAAD(headerBytes, aad []byte) []byte {
	out := make([]byte, 0, len(headerBytes)+len(aad))
	return append(append(out, headerBytes...), aad...)
}

// wrapAAD binds a wrapped data key to the format version and master key id.
func wrapAAD(keyID string) []byte {
	return []byte(fmt.Sprintf("canopy-keyvault/v%d/data-key/%s", formatV1, keyID))
}
