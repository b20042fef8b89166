package dev.coldbrew.api.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ImageReferenceTest {
  private static final String SHA =
      "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

  @ParameterizedTest
  @CsvSource({
    "nginx, docker.io/library/nginx:latest, Always, false",
    "nginx:1.25, docker.io/library/nginx:1.25, IfNotPresent, false",
    "nginx:latest, docker.io/library/nginx:latest, Always, false",
    "knative/helloworld-go, docker.io/knative/helloworld-go:latest, Always, false",
    "index.docker.io/library/redis:7, docker.io/library/redis:7, IfNotPresent, false",
    "ghcr.io/knative/helloworld-go:v0.1, ghcr.io/knative/helloworld-go:v0.1, IfNotPresent, false",
    "registry.example.com:5000/team/app_x/svc-1:2.0.1, registry.example.com:5000/team/app_x/svc-1:2.0.1,"
        + " IfNotPresent, false",
    "localhost/coldbrew-hello:1, localhost/coldbrew-hello:1, IfNotPresent, true",
    "localhost/coldbrew-hello, localhost/coldbrew-hello:latest, Always, true",
    "localhost:5000/hello:1, localhost:5000/hello:1, IfNotPresent, false",
    "[::1]:5000/hello:1, [::1]:5000/hello:1, IfNotPresent, false"
  })
  void normalizesLikeKubernetes(String in, String normalized, String policy, boolean local) {
    ImageReference r = ImageReference.parse(in);
    assertThat(r.normalized()).isEqualTo(normalized);
    assertThat(r.defaultPullPolicy()).isEqualTo(policy);
    assertThat(r.local()).isEqualTo(local);
  }

  @org.junit.jupiter.api.Test
  void keepsADigestAndPullsItOnlyIfMissing() {
    ImageReference r = ImageReference.parse("localhost/hello:1@" + SHA);
    assertThat(r.tag()).isEqualTo("1");
    assertThat(r.digest()).isEqualTo(SHA);
    assertThat(r.repository()).isEqualTo("localhost/hello");
    assertThat(r.defaultPullPolicy()).isEqualTo("IfNotPresent");
    assertThat(ImageReference.parse("hello@" + SHA).normalized())
        .isEqualTo("docker.io/library/hello@" + SHA);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        ":1",
        "Nginx",
        "nginx:",
        "nginx:-x",
        "nginx@",
        "nginx@sha256:ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789",
        "nginx@sha256:abc",
        "a//b",
        "a/b/",
        "/a",
        "a..b",
        "a b",
        "-a",
        "a-",
        "bad_host.com/x",
        "x\ny",
        "x;rm -rf /"
      })
  void refusesMalformedReferences(String s) {
    assertThatThrownBy(() -> ImageReference.parse(s)).isInstanceOf(IllegalArgumentException.class);
  }

  @org.junit.jupiter.api.Test
  void refusesOverlongNames() {
    assertThatThrownBy(() -> ImageReference.parse("a".repeat(256)))
        .hasMessageContaining("longer than 255");
    assertThat(ImageReference.parse("a".repeat(200)).path())
        .isEqualTo("library/" + "a".repeat(200));
  }
}
