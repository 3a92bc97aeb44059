// 3D model of an ovine metatarsal osteotomy for callus: the axisymmetric geometry of
// ovine_axisymmetric.geo as solids of revolution about the z axis. Units: mm.
// The gap and the callus are split at z = 0 (the growth plane). See meshes/README.md.
SetFactory("OpenCASCADE");

ro = 10; tc = 3; ri = ro - tc; g = 1; L = 15; cth = 3; cl = 12; st = 2;
h = DefineNumber[2.0, Name "element size"];
zb = -(g/2 + L);
rs = ro + cth + st;
e = 1e-6;

// Nested cylinders, fragmented into rings: marrow (r < ri), cortex, gap halves, callus and soft tissue.
Cylinder(1) = {0, 0, zb, 0, 0, L, ri};
Cylinder(2) = {0, 0, zb, 0, 0, L, ro};
Cylinder(3) = {0, 0, g/2, 0, 0, L, ri};
Cylinder(4) = {0, 0, g/2, 0, 0, L, ro};
Cylinder(5) = {0, 0, -g/2, 0, 0, g/2, ro};
Cylinder(6) = {0, 0, 0, 0, 0, g/2, ro};
Cylinder(7) = {0, 0, -cl/2, 0, 0, cl/2, ro + cth};
Cylinder(8) = {0, 0, 0, 0, 0, cl/2, ro + cth};
Cylinder(9) = {0, 0, -cl/2, 0, 0, cl/2, rs};
Cylinder(10) = {0, 0, 0, 0, 0, cl/2, rs};
BooleanFragments{ Volume{1:10}; Delete; }{}

marrow() = Volume In BoundingBox{-ri - e, -ri - e, zb - e, ri + e, ri + e, -g/2 + e};
marrow() += Volume In BoundingBox{-ri - e, -ri - e, g/2 - e, ri + e, ri + e, -zb + e};
bone() = Volume In BoundingBox{-ro - e, -ro - e, zb - e, ro + e, ro + e, -g/2 + e};
bone() += Volume In BoundingBox{-ro - e, -ro - e, g/2 - e, ro + e, ro + e, -zb + e};
cortex() = bone(); cortex() -= marrow();
gap() = Volume In BoundingBox{-ro - e, -ro - e, -g/2 - e, ro + e, ro + e, g/2 + e};
inner() = Volume In BoundingBox{-ro - cth - e, -ro - cth - e, -cl/2 - e, ro + cth + e, ro + cth + e, cl/2 + e};
callus() = inner(); callus() -= gap(); callus() -= bone();
all() = Volume In BoundingBox{-rs - e, -rs - e, -cl/2 - e, rs + e, rs + e, cl/2 + e};
soft() = all(); soft() -= inner();

Physical Volume("marrow") = marrow();
Physical Volume("cortex") = cortex();
Physical Volume("gap") = gap();
Physical Volume("periosteal_callus") = callus();
Physical Volume("soft_tissue") = soft();

Physical Surface("proximal_end") = Surface In BoundingBox{-ro - e, -ro - e, zb - e, ro + e, ro + e, zb + e};
Physical Surface("distal_end") = Surface In BoundingBox{-ro - e, -ro - e, -zb - e, ro + e, ro + e, -zb + e};
// The cortex of each end face: the face less its marrow disc.
pec() = Surface In BoundingBox{-ro - e, -ro - e, zb - e, ro + e, ro + e, zb + e};
pec() -= Surface In BoundingBox{-ri - e, -ri - e, zb - e, ri + e, ri + e, zb + e};
dec() = Surface In BoundingBox{-ro - e, -ro - e, -zb - e, ro + e, ro + e, -zb + e};
dec() -= Surface In BoundingBox{-ri - e, -ri - e, -zb - e, ri + e, ri + e, -zb + e};
Physical Surface("proximal_end_cortex") = pec();
Physical Surface("distal_end_cortex") = dec();
Physical Surface("growth_plane") = Surface In BoundingBox{-rs - e, -rs - e, -e, rs + e, rs + e, e};
Physical Surface("proximal_osteotomy") = Surface In BoundingBox{-ro - e, -ro - e, -g/2 - e, ro + e, ro + e, -g/2 + e};
Physical Surface("distal_osteotomy") = Surface In BoundingBox{-ro - e, -ro - e, g/2 - e, ro + e, ro + e, g/2 + e};
// Cylindrical faces: everything within radius r over a segment's z range, minus the flat faces
// (segment ends, osteotomy surfaces and the internal discs where the fragments cut the bone at
// z = ±cl/2) and, for the periosteum, minus what lies within the marrow radius.
lower() = Surface In BoundingBox{-ro - e, -ro - e, zb - e, ro + e, ro + e, -g/2 + e};
upper() = Surface In BoundingBox{-ro - e, -ro - e, g/2 - e, ro + e, ro + e, -zb + e};
flat() = Surface In BoundingBox{-ro - e, -ro - e, zb - e, ro + e, ro + e, zb + e};
flat() += Surface In BoundingBox{-ro - e, -ro - e, -zb - e, ro + e, ro + e, -zb + e};
flat() += Surface In BoundingBox{-ro - e, -ro - e, -g/2 - e, ro + e, ro + e, -g/2 + e};
flat() += Surface In BoundingBox{-ro - e, -ro - e, g/2 - e, ro + e, ro + e, g/2 + e};
flat() += Surface In BoundingBox{-ro - e, -ro - e, -cl/2 - e, ro + e, ro + e, -cl/2 + e};
flat() += Surface In BoundingBox{-ro - e, -ro - e, cl/2 - e, ro + e, ro + e, cl/2 + e};
endo() = Surface In BoundingBox{-ri - e, -ri - e, zb - e, ri + e, ri + e, -g/2 + e};
endo() += Surface In BoundingBox{-ri - e, -ri - e, g/2 - e, ri + e, ri + e, -zb + e};
endo() -= flat();
perio() = lower(); perio() += upper(); perio() -= flat(); perio() -= endo();
Physical Surface("periosteum") = perio();
Physical Surface("endosteum") = endo();
outer() = Surface In BoundingBox{-rs - e, -rs - e, -cl/2 - e, rs + e, rs + e, cl/2 + e};
within() = Surface In BoundingBox{-ro - cth - e, -ro - cth - e, -cl/2 - e, ro + cth + e, ro + cth + e, cl/2 + e};
mid() = Surface In BoundingBox{-rs - e, -rs - e, -e, rs + e, rs + e, e};
surf() = outer(); surf() -= within(); surf() -= mid();
Physical Surface("soft_tissue_surface") = surf();

Mesh.MeshSizeMax = h;
Mesh.MeshSizeMin = h / 2;
