package oracle

import "testing"

// testImages returns the cached root filesystem for internal tests.
func testImages(t *testing.T) *Images {
	t.Helper()
	repo, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	img, err := EnsureRootfs(repo)
	if err != nil {
		t.Fatal(err)
	}
	return img
}
