package datastore

// Level is the severity of a log event. Its values are zerolog's
// (zerolog.Level(l) converts) and libprobestore's PS_LOG_* levels.
type Level int8

const (
	DebugLevel Level = 0
	InfoLevel  Level = 1
	WarnLevel  Level = 2
	ErrorLevel Level = 3
)

func (l Level) String() string {
	switch l {
	case DebugLevel:
		return "debug"
	case InfoLevel:
		return "info"
	case WarnLevel:
		return "warn"
	case ErrorLevel:
		return "error"
	}
	return "unknown"
}

// Logger receives the events of the package and of libprobestore
// underneath. Log may be called from several goroutines at once. With
// zerolog:
//
//	logger := datastore.LoggerFunc(func(l datastore.Level, msg string, f map[string]interface{}) { zl.WithLevel(zerolog.Level(l)).Fields(f).Msg(msg) })
type Logger interface {
	Log(level Level, msg string, fields map[string]interface{})
}

// LoggerFunc is a function used as a Logger.
type LoggerFunc func(level Level, msg string, fields map[string]interface{})

// Log calls f.
func (f LoggerFunc) Log(level Level, msg string, fields map[string]interface{}) {
	f(level, msg, fields)
}

// LevelLogger is a Logger that drops events below its MinLevel: events
// below it are not even built by libprobestore.
type LevelLogger interface {
	Logger
	MinLevel() Level
}

// NopLogger logs nothing.
var NopLogger Logger = LoggerFunc(func(Level, string, map[string]interface{}) {})

func logTo(l Logger, level Level, msg string, fields map[string]interface{}) {
	if l == nil {
		return
	}
	if ll, ok := l.(LevelLogger); ok && level < ll.MinLevel() {
		return
	}
	// A logger that panics loses its event, not the caller's work.
	defer func() { _ = recover() }()
	l.Log(level, msg, fields)
}
