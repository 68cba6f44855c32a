package azureconn

// AccessLevel is how much of a subscription the customer lets Canopy see
// and change; every call honours it.
type AccessLevel int

// Access levels, from least to most. The zero value is ReadWriteTags, the
// default.
const (
	ReadWriteTags AccessLevel = iota // resources, tags, and tag write-back
	ReadTagsOnly                     // resources and tags, no write-back
	NoTags                           // resources without their tags
	NoResources                      // costs only: no resource listing
)

func (l AccessLevel) String() string {
	switch l {
	case ReadWriteTags:
		return "read-write-tags"
	case ReadTagsOnly:
		return "read-tags-only"
	case NoTags:
		return "no-tags"
	case NoResources:
		return "no-resources"
	}
	return "unknown"
}

// ListsResources reports whether resources may be listed.
func (l AccessLevel) ListsResources() bool { return l != NoResources }

// ReadsTags reports whether resource tags may be read.
func (l AccessLevel) ReadsTags() bool { return l == ReadWriteTags || l == ReadTagsOnly }

// WritesTags reports whether tags may be written back.
func (l AccessLevel) WritesTags() bool { return l == ReadWriteTags }
