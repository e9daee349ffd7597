module dwarfcgofixture

go 1.22
