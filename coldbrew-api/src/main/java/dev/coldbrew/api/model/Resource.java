package dev.coldbrew.api.model;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * A resource as the API stores it: apiVersion, kind, metadata, and (in subclasses) spec and status.
 * Resource objects are plain mutable data mirroring Kubernetes JSON; they are not thread-safe, and
 * objects read from a shared cache must be copied ({@link
 * dev.coldbrew.api.codec.ResourceCodec#copy}) before they are changed.
 */
public abstract class Resource {
  public String apiVersion;
  public String kind;
  public ObjectMeta metadata = new ObjectMeta();

  protected Resource(Kind k) {
    this.apiVersion = k.apiVersion();
    this.kind = k.kindName();
  }

  /** This resource's kind. */
  @JsonIgnore
  public abstract Kind resourceKind();

  /** This resource's status, or null. */
  @JsonIgnore
  public abstract Status status();

  /** This resource's status, created empty first if it has none (null for kinds without one). */
  public abstract Status ensureStatus();

  /** {@code namespace/name}: the key work queues and caches use. */
  @JsonIgnore
  public String key() {
    return metadata.namespace + "/" + metadata.name;
  }

  /** {@code Kind/namespace/name}, for messages. */
  @Override
  public String toString() {
    return kind + "/" + key();
  }
}
