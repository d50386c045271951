package unit

import (
	"cmp"
	"slices"
	"strings"
)

// DepMaskSet holds where each dependency of a unit (its kind and the
// other unit) came from. Most units have a few dozen: they are a list
// sorted by kind and name, a third of a map's memory (a map per unit
// was most of the dependency bookkeeping of a loaded unit); past
// depMasksListed entries the set keeps a map, so that a unit with
// thousands of dependencies does not pay for sorted inserts.
type DepMaskSet struct {
	list []depMaskEntry
	big  map[DepEdge]DepOrigin
}

type depMaskEntry struct {
	other string
	kind  uint8
	DepOrigin
}

// A dependency kind fits the entry's byte (a compile-time check).
const _ = uint8(dependencyMax - 1)

// depMasksListed is how many entries a DepMaskSet keeps as a list.
const depMasksListed = 64

func compareDepEntry(e depMaskEntry, k DepEdge) int {
	if c := cmp.Compare(Dependency(e.kind), k.Kind); c != 0 {
		return c
	}
	return strings.Compare(e.other, k.Other)
}

func (s *DepMaskSet) find(k DepEdge) (int, bool) {
	return slices.BinarySearchFunc(s.list, k, compareDepEntry)
}

// Len is the number of dependencies with a recorded origin.
func (s *DepMaskSet) Len() int {
	if s.big != nil {
		return len(s.big)
	}
	return len(s.list)
}

// Get is what was recorded for k.
func (s *DepMaskSet) Get(k DepEdge) (DepOrigin, bool) {
	if s.big != nil {
		o, ok := s.big[k]
		return o, ok
	}
	if i, ok := s.find(k); ok {
		return s.list[i].DepOrigin, true
	}
	return DepOrigin{}, false
}

// Set records o for k.
func (s *DepMaskSet) Set(k DepEdge, o DepOrigin) {
	if s.big != nil {
		s.big[k] = o
		return
	}
	i, ok := s.find(k)
	if ok {
		s.list[i].DepOrigin = o
		return
	}
	if len(s.list) >= depMasksListed {
		s.big = make(map[DepEdge]DepOrigin, 2*len(s.list))
		for _, e := range s.list {
			s.big[DepEdge{Dependency(e.kind), e.other}] = e.DepOrigin
		}
		s.list = nil
		s.big[k] = o
		return
	}
	s.list = slices.Insert(s.list, i, depMaskEntry{other: k.Other, kind: uint8(k.Kind), DepOrigin: o})
}

// Delete forgets k.
func (s *DepMaskSet) Delete(k DepEdge) {
	if s.big != nil {
		delete(s.big, k)
		return
	}
	if i, ok := s.find(k); ok {
		s.list = slices.Delete(s.list, i, i+1)
	}
}

// DeleteFunc forgets every entry for which del holds.
func (s *DepMaskSet) DeleteFunc(del func(DepEdge, DepOrigin) bool) {
	if s.big != nil {
		for k, o := range s.big {
			if del(k, o) {
				delete(s.big, k)
			}
		}
		return
	}
	s.list = slices.DeleteFunc(s.list, func(e depMaskEntry) bool {
		return del(DepEdge{Dependency(e.kind), e.other}, e.DepOrigin)
	})
}

// All yields every entry; f may change the origin it is given, and must
// not add or delete entries.
func (s *DepMaskSet) All(f func(DepEdge, *DepOrigin)) {
	if s.big != nil {
		for k, o := range s.big {
			f(k, &o)
			s.big[k] = o
		}
		return
	}
	for i := range s.list {
		e := &s.list[i]
		f(DepEdge{Dependency(e.kind), e.other}, &e.DepOrigin)
	}
}
