package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Config says where an S3-compatible bucket is (AWS, MinIO, Ceph, OVH…).
type S3Config struct {
	// Endpoint is host[:port], without scheme: "s3.eu-south-1.amazonaws.com",
	// "minio.internal:9000".
	Endpoint string
	Region   string // "" lets the client ask the service
	Bucket   string // must exist: NewS3 does not create it
	// AccessKey and SecretKey are static credentials.
	AccessKey string
	SecretKey string
	UseTLS    bool
	// Prefix, when set, is put before every key with a '/', so that
	// several deployments can share a bucket: "civica" stores "a/b" as
	// "civica/a/b".
	Prefix string
	// TempDir is where Put spools an object before sending it; "" is
	// os.TempDir().
	TempDir string
}

// partSize is the size of the parts of a multipart upload, used only for
// objects larger than it: smaller ones go in a single PUT.
const partSize = 16 << 20

// S3 is a Store on a bucket of an S3-compatible service.
//
// Put first copies the object to a temporary file, then sends it with its
// size known: memory use stays small whatever the object's size, the
// client can retry a request from the file, and nothing is sent for a
// reader that fails. A single PUT (objects up to 16 MiB) is atomic on S3;
// a larger object goes in a multipart upload, which becomes an object
// only when completed, and which the client aborts when a part fails
// (minio-go's abortFailedUpload, run even after the context is
// cancelled). A process that dies mid-upload can still leave incomplete
// parts, invisible to Open but billed: give the bucket a lifecycle rule
// that aborts incomplete multipart uploads after a day.
type S3 struct {
	client  *minio.Client
	bucket  string
	prefix  string
	tempDir string
}

// NewS3 returns an S3 on the configured bucket, having checked that the
// bucket exists and the credentials can see it.
func NewS3(ctx context.Context, cfg S3Config) (*S3, error) {
	if cfg.Endpoint == "" || cfg.Bucket == "" {
		return nil, errors.New("storage: s3: endpoint and bucket are required")
	}
	if strings.Contains(cfg.Endpoint, "://") {
		return nil, fmt.Errorf("storage: s3: endpoint %q: want host[:port], without scheme (TLS is a separate setting)", cfg.Endpoint)
	}
	prefix := strings.Trim(cfg.Prefix, "/")
	if prefix != "" {
		if err := checkKey(prefix); err != nil {
			return nil, fmt.Errorf("storage: s3: prefix: %w", err)
		}
		prefix += "/"
	}
	client, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure: cfg.UseTLS,
		Region: cfg.Region,
	})
	if err != nil {
		return nil, fmt.Errorf("storage: s3: %w", err)
	}
	ok, err := client.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("storage: s3: bucket %s: %w", cfg.Bucket, err)
	}
	if !ok {
		return nil, fmt.Errorf("storage: s3: bucket %s does not exist", cfg.Bucket)
	}
	return &S3{client: client, bucket: cfg.Bucket, prefix: prefix, tempDir: cfg.TempDir}, nil
}

func (s *S3) name(key string) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	return s.prefix + key, nil
}

// Put spools r to a temporary file and uploads it (see S3).
func (s *S3) Put(ctx context.Context, key string, r io.Reader) error {
	name, err := s.name(key)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(s.tempDir, "civica-s3-put-*")
	if err != nil {
		return fmt.Errorf("storage: put %s: %w", key, err)
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}()
	size, err := io.Copy(tmp, contextReader{ctx, r})
	if err != nil {
		return fmt.Errorf("storage: put %s: %w", key, err)
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("storage: put %s: %w", key, err)
	}
	_, err = s.client.PutObject(ctx, s.bucket, name, tmp, size, minio.PutObjectOptions{
		ContentType: "application/octet-stream",
		PartSize:    partSize,
		// Over plain HTTP the client signs the body in chunks, but for an
		// empty body it then sends no Content-Length, which S3 refuses
		// (MissingContentLength); an empty body has nothing to sign.
		DisableContentSha256: size == 0,
	})
	if err != nil {
		return fmt.Errorf("storage: put %s: %w", key, err)
	}
	return nil
}

// Open starts reading the object; it asks for it at once, so that a
// missing object is ErrNotFound here rather than on the first Read.
func (s *S3) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	name, err := s.name(key)
	if err != nil {
		return nil, err
	}
	obj, err := s.client.GetObject(ctx, s.bucket, name, minio.GetObjectOptions{})
	if err == nil {
		_, err = obj.Stat()
	}
	if err != nil {
		if obj != nil {
			obj.Close()
		}
		if minio.ToErrorResponse(err).Code == minio.NoSuchKey {
			return nil, fmt.Errorf("%w: %s", ErrNotFound, key)
		}
		return nil, fmt.Errorf("storage: open %s: %w", key, err)
	}
	return obj, nil
}

// Delete removes the object; S3 answers a delete of a missing object with
// success.
func (s *S3) Delete(ctx context.Context, key string) error {
	name, err := s.name(key)
	if err != nil {
		return err
	}
	if err := s.client.RemoveObject(ctx, s.bucket, name, minio.RemoveObjectOptions{}); err != nil {
		return fmt.Errorf("storage: delete %s: %w", key, err)
	}
	return nil
}
