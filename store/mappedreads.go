package store

// mappedReadsPerRelease is how many value reads may fault in value-log pages
// before this process's mappings of them are dropped (releaseMappedPages).
// A read maps more than it asks for (the kernel maps the pages around a
// fault), and reads of a query over many blocks are scattered over every
// value-log file: one user's newest 50 events at 10M read 3 entries of each
// of 1,000 blocks and showed 1.1 GB of mapped file in RSS, for 40 MB read.
var mappedReadsPerRelease uint64 = 256

// mappedRead counts one value read; every mappedReadsPerRelease reads the
// sealed value-log files are unmapped (they stay in the page cache).
func (s *Store) mappedRead() {
	if s.mappedReads.Add(1)%mappedReadsPerRelease == 0 {
		releaseMapped(s.opts.Dir)
	}
}

// releaseMapped is releaseMappedPages; tests count its calls.
var releaseMapped = releaseMappedPages
