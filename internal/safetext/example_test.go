package safetext_test

import (
	"fmt"

	"github.com/warden-ml/warden/internal/safetext"
)

func ExampleEscape() {
	// A user id that would retitle the operator's terminal and clear it, and
	// a column name that would print the rest of the line backwards.
	fmt.Println(safetext.Escape("\x1b]0;owned\x07\x1b[2J"))
	fmt.Println(safetext.Escape("amount\u202eusd"))
	fmt.Println(safetext.Escape("用户_42 🔴"))
	// Output:
	// \x1b]0;owned\x07\x1b[2J
	// amount\u202eusd
	// 用户_42 🔴
}
