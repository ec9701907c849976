package twenty

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// StopReason says why Twenty refused a call for a reason no record caused.
type StopReason string

const (
	// StopBadKey: Twenty does not know the API key (401 "Token invalid.",
	// "Token has expired.").
	StopBadKey StopReason = "bad key"
	// StopRevokedKey: the key was revoked or expired in Twenty's settings
	// (403 "This API Key is revoked", "This API Key is expired").
	StopRevokedKey StopReason = "revoked key"
	// StopPermission: the key's role may not do this on the object (403,
	// or 400 on versions whose REST filter did not map it: "Entity
	// performing the request does not have permission").
	StopPermission StopReason = "permission"
	// StopMissingObject: the workspace has no such object (400 "object
	// '<plural>' not found. eg: companies"; Twenty answers 400, not 404),
	// or the server has no such route (404 on the batch endpoint).
	StopMissingObject StopReason = "missing object"
)

// StopError is a refusal from Twenty that no record caused: the API key is
// wrong or revoked, its role lacks a permission, or the object does not
// exist. Sending the records again, alone or in smaller batches, would be
// refused the same way, so a push stops on it and blames no record.
//
// It deliberately does not unwrap to *APIError: code that reads an
// *APIError as a refusal of the records it sent (and logs them as failed)
// must not mistake it for one.
type StopError struct {
	Method string
	// Path is the route without its query (a filter may list e-mail
	// addresses).
	Path     string
	Status   int
	Messages []string
	Reason   StopReason
}

func (e *StopError) Error() string {
	msg := strings.Join(e.Messages, "; ")
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	return fmt.Sprintf("twenty: %s %s: %d %s: %s", e.Method, e.Path, e.Status, msg, e.advice())
}

// advice says what to do; a push stopped on a StopError resumes with
// push --resume once it is done.
func (e *StopError) advice() string {
	object := strings.TrimPrefix(e.Path, "/rest/")
	object = strings.TrimPrefix(object, "batch/")
	object, _, _ = strings.Cut(object, "/")
	switch e.Reason {
	case StopBadKey:
		return "Twenty does not accept the API key (wrong, malformed or expired): create an API key in Twenty " +
			"(Settings > APIs & Webhooks), set TWENTY_API_KEY or twenty.api_key_file to it, then push again with --resume"
	case StopRevokedKey:
		return "the API key was revoked or has expired: create a new API key in Twenty " +
			"(Settings > APIs & Webhooks), set TWENTY_API_KEY or twenty.api_key_file to it, then push again with --resume"
	case StopPermission:
		if strings.HasPrefix(e.Path, "/rest/metadata") {
			return "the API key's role lacks the Data Model permission, which creating and reading custom objects and fields needs: " +
				"grant it to the role in Settings > Roles, or use a key whose role has it, then push again with --resume"
		}
		return fmt.Sprintf("the API key's role may not read or write %s: give the role that permission in Settings > Roles, "+
			"or use a key whose role has it, then push again with --resume", object)
	case StopMissingObject:
		return fmt.Sprintf("the workspace has no object %s (deleted, or never created): review the map "+
			"(axium2crm map twenty) and push again; the push creates the custom objects before any record", object)
	}
	return "no record caused this refusal"
}

// refusal turns a refusal that no record caused into a *StopError; any
// other refusal is returned as it is. A 404 stays an *APIError here: on
// most routes it means a missing record (see upsertBisect for the batch
// route).
func refusal(ae *APIError) error {
	msg := strings.ToLower(ae.Message())
	switch {
	case strings.Contains(msg, "api key is revoked") || strings.Contains(msg, "api key is expired") ||
		strings.Contains(msg, "api key has expired") || strings.Contains(msg, "api key has been revoked"):
		return stopError(ae, StopRevokedKey)
	case ae.Status == http.StatusUnauthorized ||
		strings.Contains(msg, "no object was found for the workspace associated with this api key"):
		return stopError(ae, StopBadKey)
	case ae.Status == http.StatusForbidden || strings.Contains(msg, "does not have permission"):
		return stopError(ae, StopPermission)
	case strings.HasPrefix(msg, "object '") && strings.Contains(msg, "' not found"):
		return stopError(ae, StopMissingObject)
	}
	return ae
}

func stopError(ae *APIError, r StopReason) *StopError {
	path, _, _ := strings.Cut(ae.Path, "?")
	return &StopError{Method: ae.Method, Path: path, Status: ae.Status, Messages: ae.Messages, Reason: r}
}

// recordFault reports whether err is Twenty refusing the records a call
// sent (a value it does not accept, a unique value already taken, a batch
// too large): splitting the batch isolates the records at fault. Anything
// else (a *StopError, a 404, another 4xx, a server or network failure)
// would be answered the same for any part of the batch.
func recordFault(err error) bool {
	var ae *APIError
	if !errors.As(err, &ae) {
		return false
	}
	switch ae.Status {
	case http.StatusBadRequest, http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity:
		_, stop := refusal(ae).(*StopError)
		return !stop
	}
	return false
}
