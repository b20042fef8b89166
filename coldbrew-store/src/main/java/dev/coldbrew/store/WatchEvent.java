package dev.coldbrew.store;

import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.Resource;

/**
 * One change seen by a watch: the resource as stored after the change (for DELETED, as it was, with
 * the deletion's resourceVersion), or for RESET nothing. The resource is decoded on first use and
 * shared by every watcher: copy it ({@link ResourceCodec#copy}) before changing it. Thread-safe.
 */
public final class WatchEvent {

  /** What happened. */
  public enum Type {
    ADDED,
    MODIFIED,
    DELETED,
    /** The watch fell behind or started before the retained history: list again and re-watch. */
    RESET
  }

  private final Type type;
  private final long resourceVersion;
  private final Kind kind;
  private final String namespace;
  private final String name;
  private final String json;
  private volatile Resource resource;

  WatchEvent(
      Type type, long resourceVersion, Kind kind, String namespace, String name, String json) {
    this.type = type;
    this.resourceVersion = resourceVersion;
    this.kind = kind;
    this.namespace = namespace;
    this.name = name;
    this.json = json;
  }

  /** A RESET event. */
  public static WatchEvent reset(long resourceVersion) {
    return new WatchEvent(Type.RESET, resourceVersion, null, null, null, null);
  }

  /** An event for a resource (for tests and other Store implementations). */
  public static WatchEvent of(Type type, long resourceVersion, Resource resource) {
    WatchEvent e =
        new WatchEvent(
            type,
            resourceVersion,
            resource.resourceKind(),
            resource.metadata.namespace,
            resource.metadata.name,
            null);
    e.resource = resource;
    return e;
  }

  public Type type() {
    return type;
  }

  /** The resourceVersion of this change (for RESET, the latest one the watch had seen). */
  public long resourceVersion() {
    return resourceVersion;
  }

  /** The kind changed, or null for RESET. */
  public Kind kind() {
    return kind;
  }

  public String namespace() {
    return namespace;
  }

  public String name() {
    return name;
  }

  /** The resource, shared: copy before changing. Null for RESET. */
  public Resource resource() {
    Resource r = resource;
    if (r == null && json != null) {
      r = ResourceCodec.fromStoredJson(json);
      resource = r;
    }
    return r;
  }

  @Override
  public String toString() {
    return type == Type.RESET
        ? "RESET@" + resourceVersion
        : type + " " + kind.kindName() + " " + namespace + "/" + name + "@" + resourceVersion;
  }
}
