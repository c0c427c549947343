// Command k8s-yaml-oracle reads a multi-document YAML stream on stdin the way Kubernetes does and
// prints each document as one line of JSON, so polyaxon-pr's tests can compare what the real
// decoder sees in a stream before and after polyaxon-pr re-serialised it.
//
// Splitting follows k8s.io/apimachinery's YAMLReader: a line starting with "---" at column 0 ends
// the current document when the rest of the line is blank or a comment; anything else after "---"
// is an error. Each document is decoded with sigs.k8s.io/yaml's YAMLToJSON (go-yaml v2, YAML 1.1
// rules). Documents that decode to null (empty or comment-only) are skipped, as kubectl and Helm
// skip them.
//
// Exit status: 0 on success, 1 when a document cannot be decoded (the message names the document),
// 2 on a read error.
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"sigs.k8s.io/yaml"
)

// splitDocuments cuts the stream at Kubernetes' document separators.
func splitDocuments(stream []byte) ([][]byte, error) {
	var docs [][]byte
	var current bytes.Buffer
	reader := bufio.NewReader(bytes.NewReader(stream))
	for {
		line, err := reader.ReadBytes('\n')
		if err != nil && err != io.EOF {
			return nil, err
		}
		if bytes.HasPrefix(line, []byte("---")) {
			rest := strings.TrimSpace(string(line[3:]))
			if rest != "" && !strings.HasPrefix(rest, "#") {
				return nil, fmt.Errorf("invalid Yaml document separator: %s", rest)
			}
			if current.Len() != 0 {
				docs = append(docs, append([]byte(nil), current.Bytes()...))
				current.Reset()
			}
		} else {
			current.Write(line)
		}
		if err == io.EOF {
			break
		}
	}
	if current.Len() != 0 {
		docs = append(docs, current.Bytes())
	}
	return docs, nil
}

func main() {
	stream, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintf(os.Stderr, "k8s-yaml-oracle: cannot read stdin: %v\n", err)
		os.Exit(2)
	}
	docs, err := splitDocuments(stream)
	if err != nil {
		fmt.Fprintf(os.Stderr, "k8s-yaml-oracle: %v\n", err)
		os.Exit(1)
	}
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for i, doc := range docs {
		js, err := yaml.YAMLToJSON(doc)
		if err != nil {
			out.Flush()
			fmt.Fprintf(os.Stderr, "k8s-yaml-oracle: document %d: %v\n", i+1, err)
			os.Exit(1)
		}
		if bytes.Equal(js, []byte("null")) {
			continue
		}
		out.Write(js)
		out.WriteByte('\n')
	}
}
