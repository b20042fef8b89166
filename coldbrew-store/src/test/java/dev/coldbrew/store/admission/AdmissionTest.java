package dev.coldbrew.store.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.api.model.Revision;
import dev.coldbrew.api.model.Service;
import dev.coldbrew.api.validation.ValidationContext;
import dev.coldbrew.api.validation.ValidationException;
import dev.coldbrew.store.FaultyStore;
import dev.coldbrew.store.FaultyStore.Op;
import dev.coldbrew.store.InMemoryStore;
import dev.coldbrew.store.ResourceCache;
import dev.coldbrew.store.StoreException;
import dev.coldbrew.store.StoreException.Reason;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The write path every user write takes — default, validate, write, with create / update / apply
 * and apply's created / configured / unchanged outcome — on an {@link InMemoryStore} (the same
 * write rules as SQLite) behind a {@link FaultyStore} that records the writes and induces failures.
 */
class AdmissionTest {
  private static final ValidationContext CONFIG = ValidationContext.standard();

  private final InMemoryStore memory = new InMemoryStore();
  private final FaultyStore store = new FaultyStore(memory);
  private final Admission admission = new Admission(store, CONFIG);

  @AfterEach
  void close() {
    memory.close();
  }

  private static Resource manifest(String name, String target, String extra) {
    return ResourceCodec.decodeOne(
        """
        apiVersion: serving.knative.dev/v1
        kind: Service
        metadata:
          name: %s
          labels: {team: blue}
        spec:
          template:
            spec:
              containers:
                - command: [java]
                  env: [{name: TARGET, value: %s}]
        %s"""
            .formatted(name, target, extra));
  }

  private Service stored(String name) {
    return (Service) memory.get(Kind.SERVICE, "default", name).orElse(null);
  }

  @Test
  void applyCreatesDefaultedThenIsUnchangedThenConfigured() {
    Admission.Applied created = admission.apply(manifest("hello", "World", ""));
    assertThat(created.outcome()).isEqualTo(Admission.Outcome.CREATED);
    assertThat(created.outcome().word()).isEqualTo("created");
    Service svc = stored("hello");
    assertThat(svc.metadata.namespace).as("defaulted").isEqualTo("default");
    assertThat(svc.spec.template.spec.timeoutSeconds).as("defaulted").isEqualTo(300);
    assertThat(svc.spec.traffic)
        .singleElement()
        .satisfies(t -> assertThat(t.latestRevision).isTrue());

    Admission.Applied again = admission.apply(manifest("hello", "World", ""));
    assertThat(again.outcome()).isEqualTo(Admission.Outcome.UNCHANGED);
    assertThat(again.resource().metadata.resourceVersion).isEqualTo(svc.metadata.resourceVersion);

    Resource relabelled = manifest("hello", "World", "");
    relabelled.metadata.labels.put("team", "red");
    assertThat(admission.apply(relabelled).outcome()).isEqualTo(Admission.Outcome.CONFIGURED);
    assertThat(stored("hello").metadata.generation).as("metadata only").isEqualTo(1);

    assertThat(admission.apply(manifest("hello", "Again", "")).outcome())
        .isEqualTo(Admission.Outcome.CONFIGURED);
    assertThat(stored("hello").metadata.generation).isEqualTo(2);
    assertThat(stored("hello").metadata.labels)
        .as("the manifest owns the labels")
        .containsEntry("team", "blue");
    assertThat(store.summary())
        .containsExactly(
            "create Service default/hello",
            "update Service default/hello",
            "update Service default/hello");
  }

  @Test
  void applyKeepsWhatThePlatformOwnsAndIgnoresAManifestsStatus() {
    admission.apply(manifest("hello", "World", ""));
    Service svc = stored("hello");
    svc.ensureStatus().latestReadyRevisionName = "hello-00001";
    memory.updateStatus(svc);

    Resource withStatus = manifest("hello", "Again", "status: {latestReadyRevisionName: forged}");
    admission.apply(withStatus);

    Service after = stored("hello");
    assertThat(after.metadata.uid).isEqualTo(svc.metadata.uid);
    assertThat(after.metadata.creationTimestamp).isEqualTo(svc.metadata.creationTimestamp);
    assertThat(after.status.latestReadyRevisionName).isEqualTo("hello-00001");
    assertThat(after.spec.template.spec.container().env.get(0).value).isEqualTo("Again");
  }

  @Test
  void applyRetriesAConflictingUpdateAndAnAlreadyExistingCreate() {
    store.failNext(Op.CREATE, Kind.SERVICE, Reason.ALREADY_EXISTS);
    assertThat(admission.apply(manifest("hello", "World", "")).outcome())
        .isEqualTo(Admission.Outcome.CREATED);

    store.failNext(Op.UPDATE, Kind.SERVICE, Reason.CONFLICT);
    assertThat(admission.apply(manifest("hello", "Again", "")).outcome())
        .isEqualTo(Admission.Outcome.CONFIGURED);
    assertThat(store.summary())
        .containsExactly(
            "create Service default/hello -> ALREADY_EXISTS",
            "create Service default/hello",
            "update Service default/hello -> CONFLICT",
            "update Service default/hello");
  }

  @Test
  void applyGivesUpAfterSevenConflictsInARow() {
    admission.apply(manifest("hello", "World", ""));
    store.clearCalls();
    store.fail(Op.UPDATE, Kind.SERVICE, "hello", Reason.CONFLICT, 7);

    assertThatThrownBy(() -> admission.apply(manifest("hello", "Again", "")))
        .isInstanceOfSatisfying(
            StoreException.class, e -> assertThat(e.reason()).isEqualTo(Reason.CONFLICT));
    assertThat(store.summary()).hasSize(7);
    assertThat(stored("hello").spec.template.spec.container().env.get(0).value).isEqualTo("World");
  }

  @Test
  void anUnavailableStoreFailsTheWriteAndNothingIsWritten() {
    store.failNext(Op.CREATE, Kind.SERVICE, Reason.UNAVAILABLE);
    assertThatThrownBy(() -> admission.apply(manifest("hello", "World", "")))
        .isInstanceOfSatisfying(
            StoreException.class, e -> assertThat(e.reason()).isEqualTo(Reason.UNAVAILABLE));
    assertThat(stored("hello")).isNull();
  }

  @Test
  void anInvalidManifestIsRefusedWithTheFieldAndNothingIsWritten() {
    Service bad = (Service) manifest("hello", "World", "");
    bad.spec.template.spec.containerConcurrency = -1L;

    assertThatThrownBy(() -> admission.apply(bad))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("spec.template.spec.containerConcurrency")
        .hasMessageContaining("-1");
    assertThat(store.summary()).isEmpty();
  }

  @Test
  void platformKindsAreRefused() {
    Resource sks =
        ResourceCodec.decodeOne(
            """
            apiVersion: networking.internal.knative.dev/v1alpha1
            kind: ServerlessService
            metadata: {name: hello-00001, namespace: default}
            spec: {mode: Serve}
            """);
    assertThatThrownBy(() -> admission.apply(sks))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining(
            "kind: ServerlessService is managed by the platform (expected: Service,"
                + " Configuration, Revision, Route or DomainMapping)");
    assertThatThrownBy(() -> admission.delete(Kind.POD_AUTOSCALER, "default", "hello-00001"))
        .isInstanceOf(ValidationException.class);
    assertThat(store.summary()).isEmpty();
  }

  @Test
  void createAndUpdateValidateAgainstTheStoredObject() {
    Resource rev =
        ResourceCodec.decodeOne(
            """
            apiVersion: serving.knative.dev/v1
            kind: Revision
            metadata: {name: hello-00001}
            spec:
              containers: [{command: [java]}]
            """);
    Revision created = (Revision) admission.create(rev);
    assertThat(created.metadata.generation).isEqualTo(1);

    Revision changed = (Revision) ResourceCodec.copy(rev);
    changed.spec.containerConcurrency = 3L;
    assertThatThrownBy(() -> admission.update(changed))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("immutable");

    Resource missing = manifest("nobody", "World", "");
    assertThatThrownBy(() -> admission.update(missing))
        .isInstanceOfSatisfying(
            StoreException.class, e -> assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND))
        .hasMessageContaining("Service default/nobody not found");
  }

  @Test
  void theRevisionLimitRefusesWritesThatMakeARevisionAndLetsOthersPass() throws Exception {
    try (ResourceCache cache = ResourceCache.of(memory).start()) {
      Admission limited = new Admission(store, CONFIG, RevisionQuota.watching(cache, 1));
      limited.apply(manifest("one", "World", ""));

      assertThatThrownBy(() -> limited.apply(manifest("two", "World", "")))
          .isInstanceOf(RevisionQuota.Exceeded.class)
          .hasMessageContaining("\"two\" is forbidden: exceeded quota: max-revisions")
          .hasMessageContaining("limit 1");
      assertThat(stored("two")).isNull();

      Resource relabelled = manifest("one", "World", "");
      relabelled.metadata.labels.put("team", "red");
      assertThat(limited.apply(relabelled).outcome())
          .as("no new template, no new Revision")
          .isEqualTo(Admission.Outcome.CONFIGURED);
      assertThatThrownBy(() -> limited.apply(manifest("one", "Again", "")))
          .isInstanceOf(RevisionQuota.Exceeded.class);
    }
  }

  @Test
  void anInvalidDomainMappingIsRefusedWithEveryBadFieldAndNothingIsStored() {
    Resource dm =
        ResourceCodec.decodeOne(
            """
            apiVersion: serving.knative.dev/v1beta1
            kind: DomainMapping
            metadata: {name: Foo_bar, namespace: default}
            spec:
              ref: {apiVersion: serving.knative.dev/v1, kind: Service, name: hello, namespace: b}
              tls: {secretName: cert}
            """);
    assertThatThrownBy(() -> admission.apply(dm))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("metadata.name: \"Foo_bar\" (expected: a fully qualified domain")
        .hasMessageContaining(
            "spec.ref.namespace: \"b\" (expected: \"default\", the DomainMapping's own"
                + " namespace)")
        .hasMessageContaining("spec.tls: {secretName: \"cert\"} (expected: unset");
    assertThat(store.summary()).isEmpty();
    assertThat(memory.list(Kind.DOMAIN_MAPPING, null).items()).isEmpty();
  }
}
