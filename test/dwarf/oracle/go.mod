module dwarforacle

go 1.22
