package dev.coldbrew.api.model;

import java.time.Clock;

/**
 * Knative's DomainMapping ({@code serving.knative.dev/v1beta1}): serves a domain of the user's own,
 * its {@code metadata.name}, with the traffic of a Service or Route of the same namespace. A domain
 * is claimed by one mapping at a time across namespaces (Knative's ClusterDomainClaim).
 */
public class DomainMapping extends Resource {
  public Spec spec = new Spec();
  public DomainMappingStatus status;

  public DomainMapping() {
    super(Kind.DOMAIN_MAPPING);
  }

  @Override
  public Kind resourceKind() {
    return Kind.DOMAIN_MAPPING;
  }

  @Override
  public Status status() {
    return status;
  }

  @Override
  public DomainMappingStatus ensureStatus() {
    if (status == null) {
      status = new DomainMappingStatus();
    }
    return status;
  }

  /** What the domain serves, and Knative's optional TLS secret (refused here). */
  public static class Spec {
    public Reference ref;
    public SecretTls tls;
  }

  /** Knative's {@code KReference}: the target Service or Route. */
  public static class Reference {
    public String apiVersion;
    public String kind;
    public String name;
    public String namespace;
  }

  /** Knative's {@code SecretTLS}: a TLS secret to terminate the domain's traffic with. */
  public static class SecretTls {
    public String secretName;
  }

  /**
   * The mapped URL ({@code http://<domain>}) and Knative's conditions: {@code DomainClaimed} (no
   * mapping of another namespace has the domain), {@code ReferenceResolved} (the target exists and
   * has traffic to serve), {@code IngressReady} (the gateway serves the domain) and {@code
   * CertificateProvisioned} (always True: TLS is not enabled), rolled up into Ready.
   */
  public static class DomainMappingStatus extends Status {
    public static final String DOMAIN_CLAIMED = "DomainClaimed";
    public static final String REFERENCE_RESOLVED = "ReferenceResolved";
    public static final String INGRESS_READY = "IngressReady";
    public static final String CERTIFICATE_PROVISIONED = "CertificateProvisioned";

    /** The domain is claimed by a mapping of another namespace. */
    public static final String DOMAIN_ALREADY_CLAIMED = "DomainAlreadyClaimed";

    /** The target does not exist or has nothing to serve yet. */
    public static final String RESOLVE_FAILED = "ResolveFailed";

    private static final ConditionSet CONDITIONS =
        ConditionSet.living(
            DOMAIN_CLAIMED, REFERENCE_RESOLVED, INGRESS_READY, CERTIFICATE_PROVISIONED);

    public String url;
    public Addressable address;

    @Override
    protected ConditionSet conditionSet() {
      return CONDITIONS;
    }

    /** This mapping holds the domain. */
    public void markDomainClaimed(Clock clock) {
      setCondition(DOMAIN_CLAIMED, Condition.TRUE, null, null, clock);
    }

    /** A mapping of another namespace holds the domain (Knative's message). */
    public void markDomainClaimNotOwned(Clock clock) {
      setCondition(
          DOMAIN_CLAIMED,
          Condition.FALSE,
          DOMAIN_ALREADY_CLAIMED,
          "The domain name is already in use by another DomainMapping",
          clock);
    }

    /** The target resolved. */
    public void markReferenceResolved(Clock clock) {
      setCondition(REFERENCE_RESOLVED, Condition.TRUE, null, null, clock);
    }

    /** The target did not resolve, with why. */
    public void markReferenceNotResolved(String message, Clock clock) {
      setCondition(REFERENCE_RESOLVED, Condition.FALSE, RESOLVE_FAILED, message, clock);
    }

    /** The gateway serves the domain. */
    public void markIngressReady(Clock clock) {
      setCondition(INGRESS_READY, Condition.TRUE, null, null, clock);
    }

    /** The gateway does not serve the domain (not claimed, or nothing to serve). */
    public void markIngressNotConfigured(Clock clock) {
      setCondition(
          INGRESS_READY,
          Condition.UNKNOWN,
          "IngressNotConfigured",
          "Ingress has not yet been reconciled.",
          clock);
    }

    /** TLS is not enabled, so no certificate is needed: True with reason {@code TLSNotEnabled}. */
    public void markCertificateNotRequired(Clock clock) {
      setCondition(
          CERTIFICATE_PROVISIONED,
          Condition.TRUE,
          "TLSNotEnabled",
          "external-domain-tls is not enabled",
          clock);
    }
  }
}
