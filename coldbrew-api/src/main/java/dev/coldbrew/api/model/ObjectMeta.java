package dev.coldbrew.api.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Kubernetes object metadata, with Kubernetes field names. Not thread-safe: copy before sharing.
 */
public class ObjectMeta {
  public String name;
  public String generateName;
  public String namespace;
  public String uid;
  public Long generation;
  public String resourceVersion;
  public String creationTimestamp;
  public String deletionTimestamp;
  public Map<String, String> labels;
  public Map<String, String> annotations;
  public List<OwnerReference> ownerReferences;

  /** The labels, created empty on first use. */
  public Map<String, String> labels() {
    if (labels == null) {
      labels = new LinkedHashMap<>();
    }
    return labels;
  }

  /** The annotations, created empty on first use. */
  public Map<String, String> annotations() {
    if (annotations == null) {
      annotations = new LinkedHashMap<>();
    }
    return annotations;
  }

  /** The owner references, created empty on first use. */
  public List<OwnerReference> ownerReferences() {
    if (ownerReferences == null) {
      ownerReferences = new ArrayList<>();
    }
    return ownerReferences;
  }

  /** The annotation's value, or null. */
  public String annotation(String key) {
    return annotations == null ? null : annotations.get(key);
  }

  /** The label's value, or null. */
  public String label(String key) {
    return labels == null ? null : labels.get(key);
  }

  /** The reference marked {@code controller: true}, or null. */
  public OwnerReference controllerRef() {
    if (ownerReferences != null) {
      for (OwnerReference ref : ownerReferences) {
        if (Boolean.TRUE.equals(ref.controller)) {
          return ref;
        }
      }
    }
    return null;
  }
}
