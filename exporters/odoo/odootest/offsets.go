package odootest

// offsets is where each record of a compact table starts in its chunks,
// by id. Odoo's ids are a sequence, so they are kept in a slice indexed
// by id (8 bytes a record, twice that at most while it grows) rather than
// a map (15 to 56 bytes a record as it grows; after a 10,000-patient push
// the largest part of the test server's heap); an id far beyond the
// slice's end (one a test sets by hand) goes to a map.
type offsets struct {
	dense  []uint64 // by id: the record's offset + 1, 0 when there is none
	n      int      // ids held in dense
	sparse map[int64]uint64
}

// denseGap is how far past the slice's end an id may fall and still grow
// it.
const denseGap = 1 << 16

func (o *offsets) get(id int64) (uint64, bool) {
	if id >= 0 && id < int64(len(o.dense)) && o.dense[id] != 0 {
		return o.dense[id] - 1, true
	}
	off, ok := o.sparse[id] // an id set before the slice reached it stays here
	return off, ok
}

func (o *offsets) set(id int64, off uint64) {
	if id >= 0 && id < int64(len(o.dense))+denseGap {
		if _, ok := o.sparse[id]; !ok {
			if id >= int64(len(o.dense)) {
				o.dense = append(o.dense, make([]uint64, int(id)+1-len(o.dense))...)
			}
			if o.dense[id] == 0 {
				o.n++
			}
			o.dense[id] = off + 1
			return
		}
	}
	if o.sparse == nil {
		o.sparse = map[int64]uint64{}
	}
	o.sparse[id] = off
}

func (o *offsets) del(id int64) {
	if id >= 0 && id < int64(len(o.dense)) && o.dense[id] != 0 {
		o.dense[id] = 0
		o.n--
		return
	}
	delete(o.sparse, id)
}

func (o *offsets) len() int { return o.n + len(o.sparse) }

// appendIDs appends every id held, in no order.
func (o *offsets) appendIDs(out []int64) []int64 {
	for id, v := range o.dense {
		if v != 0 {
			out = append(out, int64(id))
		}
	}
	for id := range o.sparse {
		out = append(out, id)
	}
	return out
}
