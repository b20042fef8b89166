package dev.coldbrew.api.model;

/** A namespace and a name: how revisions and other resources are keyed across modules. */
public record NamespacedName(String namespace, String name) {
  @Override
  public String toString() {
    return namespace + "/" + name;
  }

  /** The name of this resource. */
  public static NamespacedName of(Resource r) {
    return new NamespacedName(r.metadata.namespace, r.metadata.name);
  }
}
