package dev.coldbrew.api.model;

/** A Kubernetes owner reference: the parent of a resource, for cascading deletes. */
public class OwnerReference {
  public String apiVersion;
  public String kind;
  public String name;
  public String uid;
  public Boolean controller;
  public Boolean blockOwnerDeletion;

  /** A controller reference to {@code owner}. */
  public static OwnerReference controllerOf(Resource owner) {
    OwnerReference ref = new OwnerReference();
    ref.apiVersion = owner.apiVersion;
    ref.kind = owner.kind;
    ref.name = owner.metadata.name;
    ref.uid = owner.metadata.uid;
    ref.controller = true;
    ref.blockOwnerDeletion = true;
    return ref;
  }
}
