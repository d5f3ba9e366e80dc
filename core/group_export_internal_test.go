package core

// SetMaxGroups bounds grouped reports to n groups until the returned
// function restores the bound.
func SetMaxGroups(n int) (restore func()) {
	old := maxGroups
	maxGroups = n
	return func() { maxGroups = old }
}
