package dev.coldbrew.api.model;

/**
 * {@code spec.template}: the metadata and spec every Revision of a Configuration is stamped from.
 */
public class RevisionTemplateSpec {
  public ObjectMeta metadata = new ObjectMeta();
  public RevisionSpec spec = new RevisionSpec();
}
