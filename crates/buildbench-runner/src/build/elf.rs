//! Which linker produced a binary, read from the binary itself.
//!
//! How each linker marks a binary is a column of the model's linker table
//! (`buildbench_model::linker::Signature`): LLD writes `Linker: LLD <version>` into `.comment`,
//! mold writes `mold <version>`, wild `Linker: Wild ...`, GNU gold adds a
//! `.note.gnu.gold-version` section, and GNU ld (bfd) leaves no mark at all. rust-lld and a
//! system lld differ only in the version they print.

use buildbench_model::Linker;
use buildbench_model::linker::{COMMENT_LINKER, Signature};

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
    for spec in Linker::specs() {
        if let Signature::Note { section: name, version, vendor } = spec.signature
            && let Some(note) = section(elf, name)
        {
            let text = String::from_utf8_lossy(note);
            let found = text.split('\0').find(|s| s.starts_with(version)).unwrap_or(version).trim().to_owned();
            return Some(format!("{vendor}{found}"));
        }
    }
    let marked = |entry: &str| {
        Linker::specs()
            .any(|s| matches!(s.signature, Signature::Comment(marks) if marks.iter().any(|m| entry.starts_with(m))))
    };
    let comment = section(elf, ".comment").map(|c| String::from_utf8_lossy(c).into_owned()).unwrap_or_default();
    for entry in comment.split('\0') {
        let entry = entry.trim();
        if let Some(linker) = entry.strip_prefix(COMMENT_LINKER) {
            // `LLD 22.1.2 (/checkout/src/llvm-project/llvm 1cb4e38...)`: drop the build path.
            return Some(linker.split(" (").next().unwrap_or(linker).to_owned());
        }
        if marked(entry) {
            return Some(entry.split(" (").next().unwrap_or(entry).to_owned());
        }
    }
    Linker::specs().find_map(|s| match s.signature {
        Signature::Unmarked(name) => Some(name.to_owned()),
        _ => None,
    })
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

    /// A minimal 64-bit little-endian ELF file with the given sections (name, contents).
    fn elf_with(sections: &[(&str, &[u8])]) -> Vec<u8> {
        let mut names = vec![0u8];
        let mut offsets = Vec::new();
        for (name, _) in sections.iter().chain([&(".shstrtab", &[][..])]) {
            offsets.push(names.len() as u32);
            names.extend_from_slice(name.as_bytes());
            names.push(0);
        }
        let mut data = vec![0u8; 64];
        data[..6].copy_from_slice(b"\x7fELF\x02\x01");
        let mut bounds = Vec::new();
        for (_, contents) in sections {
            bounds.push((data.len() as u64, contents.len() as u64));
            data.extend_from_slice(contents);
        }
        bounds.push((data.len() as u64, names.len() as u64));
        data.extend_from_slice(&names);
        let shoff = data.len() as u64;
        data.extend_from_slice(&[0u8; 64]);
        for (i, (offset, size)) in bounds.iter().enumerate() {
            let mut h = [0u8; 64];
            h[..4].copy_from_slice(&offsets[i].to_le_bytes());
            h[0x18..0x20].copy_from_slice(&offset.to_le_bytes());
            h[0x20..0x28].copy_from_slice(&size.to_le_bytes());
            data.extend_from_slice(&h);
        }
        data[0x28..0x30].copy_from_slice(&shoff.to_le_bytes());
        data[0x3a..0x3c].copy_from_slice(&64u16.to_le_bytes());
        data[0x3c..0x3e].copy_from_slice(&(bounds.len() as u16 + 1).to_le_bytes());
        data[0x3e..0x40].copy_from_slice(&(bounds.len() as u16).to_le_bytes());
        data
    }

    #[test]
    fn every_linker_of_the_table_is_named_from_its_mark() {
        for spec in Linker::specs() {
            let comment = format!("GCC: (Debian 12.2.0-14) 12.2.0\0{}\0", spec.example);
            let elf = match spec.signature {
                Signature::Toolchain => continue,
                Signature::Unmarked(_) => elf_with(&[(".comment", b"GCC: (Debian 12.2.0-14) 12.2.0\0")]),
                Signature::Comment(_) => elf_with(&[(".comment", comment.as_bytes())]),
                Signature::Note { section, .. } => elf_with(&[(section, format!("\0{}\0", spec.example).as_bytes())]),
            };
            let name = linker_of(&elf).unwrap();
            assert_eq!(Linker::from_name(&name), Some(spec.linker), "{}: {name}", spec.linker);
        }
        let gold = elf_with(&[(".note.gnu.gold-version", b"GNU\0gold 1.16\0")]);
        assert_eq!(linker_of(&gold).as_deref(), Some("GNU gold 1.16"));
        let lld = elf_with(&[(".comment", b"Linker: LLD 14.0.6 (/x 1cb4e38)\0rustc version 1.95.0\0")]);
        assert_eq!(linker_of(&lld).as_deref(), Some("LLD 14.0.6"));
        assert_eq!(linker_of(&elf_with(&[])).as_deref(), Some("GNU ld (bfd)"));
    }
}
