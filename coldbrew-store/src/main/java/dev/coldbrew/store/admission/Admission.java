package dev.coldbrew.store.admission;

import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.api.validation.Defaults;
import dev.coldbrew.api.validation.FieldError;
import dev.coldbrew.api.validation.Validation;
import dev.coldbrew.api.validation.ValidationContext;
import dev.coldbrew.api.validation.ValidationException;
import dev.coldbrew.store.Store;
import dev.coldbrew.store.StoreException;
import java.util.Objects;
import java.util.Optional;

/**
 * What every user write passes through, whether it comes over HTTP or from {@code serve -f}: drop
 * status, default, validate (against the stored object on update), check the {@link RevisionQuota}
 * when the write would make a Revision, then write. Knative's webhook and the API server's write
 * path in one place. It sits next to the {@link Store} contract, over any store, so the admin API,
 * {@code serve -f}, tests on an {@code InMemoryStore} and a second engine's tools all run the same
 * pipeline; decoding is the codec's ({@code ResourceCodec}), since each caller reports decoding
 * errors in its own terms (a file name, a content type). Thread-safe; blocking (it writes to the
 * store).
 */
public final class Admission {
  private final Store store;
  private volatile ValidationContext context;
  private final RevisionQuota quota;

  /** Without a limit on Revisions. */
  public Admission(Store store, ValidationContext context) {
    this(store, context, RevisionQuota.unlimited());
  }

  public Admission(Store store, ValidationContext context, RevisionQuota quota) {
    this.store = store;
    this.context = context;
    this.quota = quota;
  }

  /** Validates and defaults with {@code next} from now on (the platform's config was changed). */
  public void reconfigure(ValidationContext next) {
    this.context = next;
  }

  /** What an apply did. */
  public enum Outcome {
    CREATED,
    CONFIGURED,
    UNCHANGED;

    /** As kubectl prints it. */
    public String word() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** The result of an apply. */
  public record Applied(Resource resource, Outcome outcome) {}

  /** Creates a user resource. */
  public Resource create(Resource input) {
    requireUserKind(input.resourceKind());
    Resource r = prepare(input);
    Validation.validate(r, context);
    return quota.write(r, makesRevision(null, r), () -> store.create(r));
  }

  /** Replaces a user resource's metadata and spec; checks resourceVersion when it is given. */
  public Resource update(Resource input) {
    requireUserKind(input.resourceKind());
    Resource r = prepare(input);
    Resource old =
        store
            .get(r.resourceKind(), r.metadata.namespace, r.metadata.name)
            .orElseThrow(() -> notFound(r));
    if (r.metadata.resourceVersion == null) {
      r.metadata.resourceVersion = old.metadata.resourceVersion;
    }
    Validation.validate(r, context);
    Validation.validateUpdate(old, r, context);
    return quota.write(r, makesRevision(old, r), () -> store.update(r));
  }

  /**
   * Creates the resource or, when it exists, makes its spec, labels and annotations those of {@code
   * r} (the manifest owns them), retrying on concurrent changes.
   */
  public Applied apply(Resource input) {
    requireUserKind(input.resourceKind());
    Resource r = prepare(input);
    Validation.validate(r, context);
    for (int attempt = 0; ; attempt++) {
      Optional<Resource> existing =
          store.get(r.resourceKind(), r.metadata.namespace, r.metadata.name);
      if (existing.isEmpty()) {
        try {
          Resource created =
              quota.write(r, makesRevision(null, r), () -> store.create(ResourceCodec.copy(r)));
          return new Applied(created, Outcome.CREATED);
        } catch (StoreException e) {
          if (e.reason() != StoreException.Reason.ALREADY_EXISTS || attempt > 5) {
            throw e;
          }
          continue;
        }
      }
      Resource old = existing.get();
      Resource merged = ResourceCodec.copy(r);
      merged.metadata.uid = old.metadata.uid;
      merged.metadata.resourceVersion = old.metadata.resourceVersion;
      merged.metadata.creationTimestamp = old.metadata.creationTimestamp;
      merged.metadata.generation = old.metadata.generation;
      merged.metadata.ownerReferences = old.metadata.ownerReferences;
      if (sameUserFields(old, merged)) {
        return new Applied(old, Outcome.UNCHANGED);
      }
      Validation.validateUpdate(old, merged, context);
      try {
        Resource updated =
            quota.write(merged, makesRevision(old, merged), () -> store.update(merged));
        return new Applied(updated, Outcome.CONFIGURED);
      } catch (StoreException e) {
        if (e.reason() != StoreException.Reason.CONFLICT || attempt > 5) {
          throw e;
        }
      }
    }
  }

  /** Deletes a user resource and, by owner references, its children. */
  public void delete(Kind kind, String namespace, String name) {
    requireUserKind(kind);
    store.delete(kind, namespace, name);
  }

  /** A copy without status (the platform writes status), defaulted. */
  private Resource prepare(Resource r) {
    var tree = ResourceCodec.toTree(r);
    tree.remove("status");
    return Defaults.apply(ResourceCodec.fromStoredJson(tree.toString()), context.defaults());
  }

  /**
   * Whether writing {@code r} over {@code old} (null: a create) makes a Revision: a new Service,
   * Configuration or Revision, or a Service's or Configuration's changed template.
   */
  private static boolean makesRevision(Resource old, Resource r) {
    Kind k = r.resourceKind();
    if (old == null) {
      return k == Kind.SERVICE || k == Kind.CONFIGURATION || k == Kind.REVISION;
    }
    return (k == Kind.SERVICE || k == Kind.CONFIGURATION)
        && !Objects.equals(
            ResourceCodec.toTree(old).path("spec").get("template"),
            ResourceCodec.toTree(r).path("spec").get("template"));
  }

  private static boolean sameUserFields(Resource a, Resource b) {
    var ta = ResourceCodec.toTree(a);
    var tb = ResourceCodec.toTree(b);
    ta.remove("status");
    tb.remove("status");
    return Objects.equals(ta.get("spec"), tb.get("spec"))
        && Objects.equals(ta.path("metadata").get("labels"), tb.path("metadata").get("labels"))
        && Objects.equals(
            ta.path("metadata").get("annotations"), tb.path("metadata").get("annotations"));
  }

  private static void requireUserKind(Kind kind) {
    if (!kind.isUserKind()) {
      throw new ValidationException(
          new FieldError(
              "kind",
              kind.kindName()
                  + " is managed by the platform (expected: Service, Configuration, Revision,"
                  + " Route or DomainMapping)"));
    }
  }

  private static StoreException notFound(Resource r) {
    return new StoreException(
        StoreException.Reason.NOT_FOUND,
        r.kind + " " + r.metadata.namespace + "/" + r.metadata.name + " not found");
  }
}
