package migration

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// The messages of LXD's migrate.proto (proto2), encoded by hand. Field
// numbers are LXD's; a proto2 "required" field is always written, even at
// its zero value, because LXD's decoder rejects a message without it.

// FSType is MigrationFSType.
type FSType int32

// Filesystem transfer types.
const (
	FSRsync         FSType = 0
	FSBtrfs         FSType = 1
	FSZfs           FSType = 2
	FSRbd           FSType = 3
	FSBlockAndRsync FSType = 4
)

// CRIUType says how a running instance's state travels.
type CRIUType int32

// CRIU types.
const (
	CRIURsync CRIUType = 0
	CRIUPhaul CRIUType = 1
	CRIUNone  CRIUType = 2
	CRIUQemu  CRIUType = 3
)

// IDMapEntry is IDMapType: one range of the source instance's idmap.
type IDMapEntry struct {
	IsUID, IsGID        bool
	HostID, NSID, Range int32
}

// Config is one key/value pair.
type Config struct{ Key, Value string }

// Device is one device of a snapshot.
type Device struct {
	Name   string
	Config []Config
}

// Snapshot describes one snapshot (of an instance: its config, profiles
// and devices; of a custom volume: name, config and dates).
type Snapshot struct {
	Name         string
	LocalConfig  []Config
	Profiles     []string
	Ephemeral    bool
	LocalDevices []Device
	Architecture int32
	Stateful     bool
	// Unix seconds; zero when unknown.
	CreationDate, LastUsedDate, ExpiryDate int64
}

// RsyncFeatures are the rsync options both ends agree on.
type RsyncFeatures struct {
	Xattrs, Delete, Compress, Bidirectional bool
}

// Header is MigrationHeader, the offer of the source and the answer of
// the target.
type Header struct {
	FS                 FSType
	CRIU               *CRIUType
	IDMap              []IDMapEntry
	SnapshotNames      []string
	Snapshots          []Snapshot
	Predump            bool
	Rsync              *RsyncFeatures
	Refresh            bool
	VolumeSize         int64
	IndexHeaderVersion uint32
	// HasBtrfs/HasZfs record that the peer offered optimized features
	// (we only ever answer rsync).
	HasBtrfs, HasZfs bool
}

// Control is MigrationControl: the outcome one side reports.
type Control struct {
	Success bool
	Message string
}

// --- encoding ---

type encoder struct{ buf []byte }

func (e *encoder) tag(field int, wireType int) {
	e.buf = binary.AppendUvarint(e.buf, uint64(field)<<3|uint64(wireType))
}

func (e *encoder) varint(field int, v uint64) {
	e.tag(field, 0)
	e.buf = binary.AppendUvarint(e.buf, v)
}

// int64Field encodes a proto int32/int64: negative values are sign
// extended to 64 bits (ten bytes), as protobuf does.
func (e *encoder) int64Field(field int, v int64) { e.varint(field, uint64(v)) }

func (e *encoder) boolField(field int, v bool) {
	n := uint64(0)
	if v {
		n = 1
	}
	e.varint(field, n)
}

func (e *encoder) bytesField(field int, b []byte) {
	e.tag(field, 2)
	e.buf = binary.AppendUvarint(e.buf, uint64(len(b)))
	e.buf = append(e.buf, b...)
}

func (e *encoder) stringField(field int, s string) { e.bytesField(field, []byte(s)) }

// Marshal encodes the header.
func (h Header) Marshal() []byte {
	var e encoder
	e.int64Field(1, int64(h.FS))
	if h.CRIU != nil {
		e.int64Field(2, int64(*h.CRIU))
	}
	for _, m := range h.IDMap {
		e.bytesField(3, m.marshal())
	}
	for _, n := range h.SnapshotNames {
		e.stringField(4, n)
	}
	for _, s := range h.Snapshots {
		e.bytesField(5, s.marshal())
	}
	if h.Predump {
		e.boolField(7, true)
	}
	if h.Rsync != nil {
		e.bytesField(8, h.Rsync.marshal())
	}
	if h.Refresh {
		e.boolField(9, true)
	}
	if h.VolumeSize != 0 {
		e.int64Field(11, h.VolumeSize)
	}
	if h.IndexHeaderVersion != 0 {
		e.varint(13, uint64(h.IndexHeaderVersion))
	}
	return e.buf
}

func (m IDMapEntry) marshal() []byte {
	var e encoder
	e.boolField(1, m.IsUID)
	e.boolField(2, m.IsGID)
	e.int64Field(3, int64(m.HostID))
	e.int64Field(4, int64(m.NSID))
	e.int64Field(5, int64(m.Range))
	return e.buf
}

func (c Config) marshal() []byte {
	var e encoder
	e.stringField(1, c.Key)
	e.stringField(2, c.Value)
	return e.buf
}

func (d Device) marshal() []byte {
	var e encoder
	e.stringField(1, d.Name)
	for _, c := range d.Config {
		e.bytesField(2, c.marshal())
	}
	return e.buf
}

func (s Snapshot) marshal() []byte {
	var e encoder
	e.stringField(1, s.Name)
	for _, c := range s.LocalConfig {
		e.bytesField(2, c.marshal())
	}
	for _, p := range s.Profiles {
		e.stringField(3, p)
	}
	e.boolField(4, s.Ephemeral)
	for _, d := range s.LocalDevices {
		e.bytesField(5, d.marshal())
	}
	e.int64Field(6, int64(s.Architecture))
	e.boolField(7, s.Stateful)
	if s.CreationDate != 0 {
		e.int64Field(8, s.CreationDate)
	}
	if s.LastUsedDate != 0 {
		e.int64Field(9, s.LastUsedDate)
	}
	if s.ExpiryDate != 0 {
		e.int64Field(10, s.ExpiryDate)
	}
	return e.buf
}

func (f RsyncFeatures) marshal() []byte {
	var e encoder
	e.boolField(1, f.Xattrs)
	e.boolField(2, f.Delete)
	e.boolField(3, f.Compress)
	e.boolField(4, f.Bidirectional)
	return e.buf
}

// Marshal encodes the control message.
func (c Control) Marshal() []byte {
	var e encoder
	e.boolField(1, c.Success)
	e.stringField(2, c.Message)
	return e.buf
}

// --- decoding ---

var errTruncated = errors.New("truncated protobuf message")

// field is one decoded field: a varint (or fixed) value or a byte slice.
type field struct {
	num      int
	wireType int
	value    uint64
	data     []byte
}

// fields splits a message into its fields, in order.
func fields(b []byte) ([]field, error) {
	var out []field
	for len(b) > 0 {
		key, n := binary.Uvarint(b)
		if n <= 0 {
			return nil, errTruncated
		}
		b = b[n:]
		f := field{num: int(key >> 3), wireType: int(key & 7)}
		switch key & 7 {
		case 0:
			v, n := binary.Uvarint(b)
			if n <= 0 {
				return nil, errTruncated
			}
			f.value, b = v, b[n:]
		case 1:
			if len(b) < 8 {
				return nil, errTruncated
			}
			f.value, b = binary.LittleEndian.Uint64(b), b[8:]
		case 2:
			l, n := binary.Uvarint(b)
			if n <= 0 || l > uint64(len(b)-n) {
				return nil, errTruncated
			}
			f.data, b = b[n:n+int(l)], b[n+int(l):]
		case 5:
			if len(b) < 4 {
				return nil, errTruncated
			}
			f.value, b = uint64(binary.LittleEndian.Uint32(b)), b[4:]
		default:
			return nil, fmt.Errorf("unsupported protobuf wire type %d", key&7)
		}
		out = append(out, f)
	}
	return out, nil
}

func int32Of(v uint64) int32 { return int32(int64(v)) }

// ErrNotHeader is returned by UnmarshalHeader for a MigrationControl: a
// peer that fails before answering sends one where the header was due.
type ErrNotHeader struct{ Control Control }

func (e ErrNotHeader) Error() string { return e.Control.Message }

// UnmarshalHeader decodes a MigrationHeader.
func UnmarshalHeader(b []byte) (Header, error) {
	var h Header
	fs, err := fields(b)
	if err != nil {
		return h, err
	}
	for _, f := range fs {
		if f.num == 2 && f.wireType == 2 {
			// A header's field 2 is a varint; a control's is its message.
			c, _ := UnmarshalControl(b)
			return h, ErrNotHeader{Control: c}
		}
	}
	for _, f := range fs {
		if err := h.apply(f); err != nil {
			return h, err
		}
	}
	return h, nil
}

func (h *Header) apply(f field) error {
	switch f.num {
	case 1:
		h.FS = FSType(int32Of(f.value))
	case 2:
		c := CRIUType(int32Of(f.value))
		h.CRIU = &c
	case 3:
		m, err := unmarshalIDMap(f.data)
		if err != nil {
			return err
		}
		h.IDMap = append(h.IDMap, m)
	case 4:
		h.SnapshotNames = append(h.SnapshotNames, string(f.data))
	case 5:
		s, err := unmarshalSnapshot(f.data)
		if err != nil {
			return err
		}
		h.Snapshots = append(h.Snapshots, s)
	case 7:
		h.Predump = f.value != 0
	case 8:
		r, err := unmarshalRsync(f.data)
		if err != nil {
			return err
		}
		h.Rsync = &r
	case 9:
		h.Refresh = f.value != 0
	case 10:
		h.HasZfs = true
	case 11:
		h.VolumeSize = int64(f.value)
	case 12:
		h.HasBtrfs = true
	case 13:
		if f.value > math.MaxUint32 {
			return errors.New("index header version out of range")
		}
		h.IndexHeaderVersion = uint32(f.value)
	}
	return nil
}

func unmarshalIDMap(b []byte) (IDMapEntry, error) {
	var m IDMapEntry
	fs, err := fields(b)
	for _, f := range fs {
		switch f.num {
		case 1:
			m.IsUID = f.value != 0
		case 2:
			m.IsGID = f.value != 0
		case 3:
			m.HostID = int32Of(f.value)
		case 4:
			m.NSID = int32Of(f.value)
		case 5:
			m.Range = int32Of(f.value)
		}
	}
	return m, err
}

func unmarshalConfig(b []byte) (Config, error) {
	var c Config
	fs, err := fields(b)
	for _, f := range fs {
		switch f.num {
		case 1:
			c.Key = string(f.data)
		case 2:
			c.Value = string(f.data)
		}
	}
	return c, err
}

func unmarshalDevice(b []byte) (Device, error) {
	var d Device
	fs, err := fields(b)
	if err != nil {
		return d, err
	}
	for _, f := range fs {
		switch f.num {
		case 1:
			d.Name = string(f.data)
		case 2:
			c, err := unmarshalConfig(f.data)
			if err != nil {
				return d, err
			}
			d.Config = append(d.Config, c)
		}
	}
	return d, nil
}

func unmarshalSnapshot(b []byte) (Snapshot, error) {
	var s Snapshot
	fs, err := fields(b)
	if err != nil {
		return s, err
	}
	for _, f := range fs {
		switch f.num {
		case 1:
			s.Name = string(f.data)
		case 2:
			c, err := unmarshalConfig(f.data)
			if err != nil {
				return s, err
			}
			s.LocalConfig = append(s.LocalConfig, c)
		case 3:
			s.Profiles = append(s.Profiles, string(f.data))
		case 4:
			s.Ephemeral = f.value != 0
		case 5:
			d, err := unmarshalDevice(f.data)
			if err != nil {
				return s, err
			}
			s.LocalDevices = append(s.LocalDevices, d)
		case 6:
			s.Architecture = int32Of(f.value)
		case 7:
			s.Stateful = f.value != 0
		case 8:
			s.CreationDate = int64(f.value)
		case 9:
			s.LastUsedDate = int64(f.value)
		case 10:
			s.ExpiryDate = int64(f.value)
		}
	}
	return s, nil
}

func unmarshalRsync(b []byte) (RsyncFeatures, error) {
	var r RsyncFeatures
	fs, err := fields(b)
	for _, f := range fs {
		switch f.num {
		case 1:
			r.Xattrs = f.value != 0
		case 2:
			r.Delete = f.value != 0
		case 3:
			r.Compress = f.value != 0
		case 4:
			r.Bidirectional = f.value != 0
		}
	}
	return r, err
}

// UnmarshalControl decodes a MigrationControl.
func UnmarshalControl(b []byte) (Control, error) {
	var c Control
	fs, err := fields(b)
	for _, f := range fs {
		switch f.num {
		case 1:
			c.Success = f.value != 0
		case 2:
			c.Message = string(f.data)
		}
	}
	return c, err
}

// ConfigMap turns key/value pairs into a map.
func ConfigMap(cs []Config) map[string]string {
	m := make(map[string]string, len(cs))
	for _, c := range cs {
		m[c.Key] = c.Value
	}
	return m
}

// ConfigList turns a map into key/value pairs.
func ConfigList(m map[string]string) []Config {
	out := make([]Config, 0, len(m))
	for k, v := range m {
		out = append(out, Config{Key: k, Value: v})
	}
	return out
}
