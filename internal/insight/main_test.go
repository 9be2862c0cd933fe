package insight_test

import (
	"testing"

	"github.com/civica/civica/internal/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }
