package main

import (
	"os"

	"golang.org/x/sys/unix"
)

// Terminal helpers for exec and console: raw mode while a remote pty owns
// the terminal, and the window size sent to the server.

// makeRaw puts the terminal in raw mode (cfmakeraw) and returns the state
// to restore.
func makeRaw(fd int) (*unix.Termios, error) {
	old, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return nil, err
	}
	raw := *old
	raw.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	raw.Oflag &^= unix.OPOST
	raw.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	raw.Cflag &^= unix.CSIZE | unix.PARENB
	raw.Cflag |= unix.CS8
	raw.Cc[unix.VMIN] = 1
	raw.Cc[unix.VTIME] = 0
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, &raw); err != nil {
		return nil, err
	}
	return old, nil
}

// restoreTerminal puts back the state makeRaw saved.
func restoreTerminal(fd int, state *unix.Termios) {
	if state != nil {
		_ = unix.IoctlSetTermios(fd, unix.TCSETS, state)
	}
}

// terminalSize returns the width and height of the terminal on f, or
// (0, 0) when f is not a terminal.
func terminalSize(f any) (int, int) {
	file, ok := f.(*os.File)
	if !ok {
		return 0, 0
	}
	ws, err := unix.IoctlGetWinsize(int(file.Fd()), unix.TIOCGWINSZ)
	if err != nil {
		return 0, 0
	}
	return int(ws.Col), int(ws.Row)
}

// fdOf returns the descriptor of f when it is an *os.File.
func fdOf(f any) (int, bool) {
	file, ok := f.(*os.File)
	if !ok {
		return 0, false
	}
	return int(file.Fd()), true
}
