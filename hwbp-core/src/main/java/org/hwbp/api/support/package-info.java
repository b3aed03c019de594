/**
 * Helpers for client bundles' shell commands and saved state: {@link org.hwbp.api.support.Args}, the positional
 * argument and number parsing every {@code hwbp:}, {@code ptrace:} and {@code kvm:} command shares (so that a
 * missing or malformed argument is the same EINVAL naming it everywhere), and
 * {@link org.hwbp.api.support.PropertiesFile}, the properties-file I/O behind each client's saved state in its
 * bundle data area. Exported because bundles cannot share private packages; each client keeps its own keys
 * and format.
 */
@Export
@Version("1.0.0")
package org.hwbp.api.support;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
