//! Which linker produced a binary, read from the binary itself.
//!
//! LLD writes `Linker: LLD <version>` into `.comment`, mold writes `mold <version>`, wild writes
//! `Linker: Wild ...`, GNU gold adds a `.note.gnu.gold-version` section, and GNU ld (bfd) leaves
//! no mark at all. rust-lld and a system lld differ only in the version they print.

/// The contents of the named section of a 64-bit little-endian ELF file, if present.
pub fn section<'a>(elf: &'a [u8], name: &str) -> Option<&'a [u8]> {
    if elf.get(0..4)? != b"\x7fELF" || *elf.get(4)? != 2 || *elf.get(5)? != 1 {
        return None;
    }
    let u16_at = |o: usize| Some(u16::from_le_bytes(elf.get(o..o + 2)?.try_into().ok()?));
    let u32_at = |o: usize| Some(u32::from_le_bytes(elf.get(o..o + 4)?.try_into().ok()?));
    let u64_at = |o: usize| Some(u64::from_le_bytes(elf.get(o..o + 8)?.try_into().ok()?));
    let shoff = usize::try_from(u64_at(0x28)?).ok()?;
    let shentsize = usize::from(u16_at(0x3a)?);
    let shnum = usize::from(u16_at(0x3c)?);
    let shstrndx = usize::from(u16_at(0x3e)?);
    let header = |i: usize| shoff.checked_add(i.checked_mul(shentsize)?);
    let bounds = |h: usize| -> Option<(usize, usize)> {
        let offset = usize::try_from(u64_at(h + 0x18)?).ok()?;
        let size = usize::try_from(u64_at(h + 0x20)?).ok()?;
        Some((offset, offset.checked_add(size)?))
    };
    let (names_start, names_end) = bounds(header(shstrndx)?)?;
    let names = elf.get(names_start..names_end)?;
    for i in 0..shnum {
        let h = header(i)?;
        let name_offset = usize::try_from(u32_at(h)?).ok()?;
        let rest = names.get(name_offset..)?;
        let end = rest.iter().position(|&b| b == 0)?;
        if &rest[..end] == name.as_bytes() {
            let (start, end) = bounds(h)?;
            return elf.get(start..end);
        }
    }
    None
}

/// The functions of `elf` that must survive any correct relink, sorted: for a shared library
/// the functions it exports (`.dynsym`, fixed by rustc's version script), for an executable
/// the Rust functions it defines (`.symtab` entries of type FUNC with a size whose names are
/// Rust-mangled). Both come from the link's inputs, not from the linker; what a linker may
/// legitimately add or drop (runtime-library helpers such as `__udivti3` that GNU ld keeps and
/// LLD collects) has C names and is left out. `None` without the table (a stripped binary).
pub fn essential_functions(elf: &[u8], shared_library: bool) -> Option<Vec<String>> {
    let (table, strings) = if shared_library { (".dynsym", ".dynstr") } else { (".symtab", ".strtab") };
    let symbols = section(elf, table)?;
    let names = section(elf, strings)?;
    let mut out = Vec::new();
    for entry in symbols.chunks_exact(24) {
        let name = usize::try_from(u32::from_le_bytes(entry.get(0..4)?.try_into().ok()?)).ok()?;
        let kind = entry.get(4)? & 0xf;
        let section_index = u16::from_le_bytes(entry.get(6..8)?.try_into().ok()?);
        let size = u64::from_le_bytes(entry.get(16..24)?.try_into().ok()?);
        if kind != 2 || section_index == 0 || size == 0 {
            continue;
        }
        let rest = names.get(name..)?;
        let end = rest.iter().position(|&b| b == 0)?;
        let name = String::from_utf8_lossy(rest.get(..end)?).into_owned();
        if shared_library || name.starts_with("_ZN") || name.starts_with("_R") {
            out.push(name);
        }
    }
    out.sort_unstable();
    out.dedup();
    Some(out)
}

/// Names the linker that produced `elf`, or `None` if the bytes are not an ELF file.
pub fn linker_of(elf: &[u8]) -> Option<String> {
    section(elf, ".shstrtab")?;
    if let Some(note) = section(elf, ".note.gnu.gold-version") {
        let text = String::from_utf8_lossy(note);
        let version = text.split('\0').find(|s| s.starts_with("gold")).unwrap_or("gold").trim().to_owned();
        return Some(format!("GNU {version}"));
    }
    let comment = section(elf, ".comment").map(|c| String::from_utf8_lossy(c).into_owned()).unwrap_or_default();
    for entry in comment.split('\0') {
        let entry = entry.trim();
        if let Some(linker) = entry.strip_prefix("Linker: ") {
            // `LLD 22.1.2 (/checkout/src/llvm-project/llvm 1cb4e38...)`: drop the build path.
            return Some(linker.split(" (").next().unwrap_or(linker).to_owned());
        }
        if entry.starts_with("mold ") || entry.starts_with("wild ") {
            return Some(entry.split(" (").next().unwrap_or(entry).to_owned());
        }
    }
    Some("GNU ld (bfd)".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_linker_of_a_real_binary() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("m.rs"), "fn main() {}").unwrap();
        let out = dir.path().join("m");
        let status = std::process::Command::new("rustc").arg(dir.path().join("m.rs")).arg("-o").arg(&out).status();
        if !status.is_ok_and(|s| s.success()) {
            eprintln!("skipped: rustc could not link a probe binary");
            return;
        }
        let linker = linker_of(&std::fs::read(&out).unwrap()).unwrap();
        // Whatever the toolchain's default is, it must be named, not guessed.
        assert!(!linker.is_empty());
    }

    #[test]
    fn rejects_what_is_not_elf() {
        assert_eq!(linker_of(b"#!/bin/sh\n"), None);
        assert_eq!(section(b"\x7fELF\x02\x01", ".comment"), None);
        assert_eq!(linker_of(&[0x7f, b'E', b'L', b'F', 2, 1, 0, 0, 0xff, 0xff]), None);
    }
}
