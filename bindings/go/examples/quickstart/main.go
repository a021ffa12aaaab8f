// quickstart writes a scan of two probe results and reads it back through
// the datastore package: go run ./examples/quickstart DATA_DIR
package main

import (
	"context"
	"fmt"
	"log"
	"os"

	"probestore/bindings/go/datastore"
	"probestore/bindings/go/models"
)

func main() {
	if len(os.Args) != 2 {
		log.Fatal("usage: quickstart DATA_DIR")
	}
	logger := datastore.LoggerFunc(func(l datastore.Level, msg string, f map[string]interface{}) {
		log.Printf("%s %s %v", l, msg, f)
	})
	cfg := &datastore.StorageConfig{ParquetBasePath: os.Args[1], CompressionCodec: "zstd"}
	writer, err := datastore.NewParquetWriter(cfg, logger)
	if err != nil {
		log.Fatal(err)
	}
	defer writer.Close()
	results := []models.ProbeResult{
		{InputURL: "https://example.com/", StatusCode: 200, Title: "Example", Technologies: []string{"Nginx"}},
		{InputURL: "https://example.com/login", StatusCode: 302, Headers: map[string]string{"location": "/sso"}},
	}
	if err := writer.Write(context.Background(), results, "quickstart", "https://example.com"); err != nil {
		log.Fatal(err)
	}
	reader := datastore.NewParquetReader(cfg, logger)
	defer reader.Close()
	got, scanned, err := reader.FindAllProbeResultsForTarget("https://example.com")
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range got {
		fmt.Printf("%s %d %s %s\n", r.InputURL, r.StatusCode, r.URLStatus, scanned.Format("2006-01-02"))
	}
}
