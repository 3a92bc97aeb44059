// Axisymmetric (r, z) model of an ovine metatarsal osteotomy for callus.
// x = r (radius), y = z (bone axis); the gap is centred on z = 0. Units: mm.
// Same geometry and names as the built-in generator (`callus mesh generate`), see meshes/README.md.
SetFactory("OpenCASCADE");

ro = 10;    // outer radius of the cortex
tc = 3;     // cortical thickness
ri = ro - tc;
g  = 1;     // initial osteotomy gap
L  = 15;    // length of each bone segment
cth = 3;    // radial thickness of the periosteal callus
cl = 12;    // axial length of the periosteal callus (centred on the gap)
st = 2;     // soft tissue thickness outside the callus
h  = DefineNumber[1.0, Name "element size"];

zb = -(g/2 + L);
rs = ro + cth + st;
e = 1e-6;

// Bone segments (marrow + cortex), gap halves, callus and soft tissue halves, split at z = 0.
Rectangle(1) = {0,  zb, 0, ri, L};
Rectangle(2) = {ri, zb, 0, tc, L};
Rectangle(3) = {0,  g/2, 0, ri, L};
Rectangle(4) = {ri, g/2, 0, tc, L};
Rectangle(5) = {0, -g/2, 0, ro, g/2};
Rectangle(6) = {0,  0,   0, ro, g/2};
Rectangle(7) = {ro, -cl/2, 0, cth, cl/2};
Rectangle(8) = {ro,  0,    0, cth, cl/2};
Rectangle(9) = {ro + cth, -cl/2, 0, st, cl/2};
Rectangle(10) = {ro + cth, 0,    0, st, cl/2};
BooleanFragments{ Surface{1:10}; Delete; }{}

marrow() = Surface In BoundingBox{-e, zb - e, -e, ri + e, -g/2 + e, e};
marrow() += Surface In BoundingBox{-e, g/2 - e, -e, ri + e, -zb + e, e};
bone() = Surface In BoundingBox{-e, zb - e, -e, ro + e, -g/2 + e, e};
bone() += Surface In BoundingBox{-e, g/2 - e, -e, ro + e, -zb + e, e};
cortex() = bone(); cortex() -= marrow();
gap() = Surface In BoundingBox{-e, -g/2 - e, -e, ro + e, g/2 + e, e};
callus() = Surface In BoundingBox{ro - e, -cl/2 - e, -e, ro + cth + e, cl/2 + e, e};
soft() = Surface In BoundingBox{ro + cth - e, -cl/2 - e, -e, rs + e, cl/2 + e, e};

Physical Surface("marrow") = marrow();
Physical Surface("cortex") = cortex();
Physical Surface("gap") = gap();
Physical Surface("periosteal_callus") = callus();
Physical Surface("soft_tissue") = soft();

Physical Curve("proximal_end") = Curve In BoundingBox{-e, zb - e, -e, ro + e, zb + e, e};
Physical Curve("distal_end") = Curve In BoundingBox{-e, -zb - e, -e, ro + e, -zb + e, e};
Physical Curve("proximal_end_cortex") = Curve In BoundingBox{ri - e, zb - e, -e, ro + e, zb + e, e};
Physical Curve("distal_end_cortex") = Curve In BoundingBox{ri - e, -zb - e, -e, ro + e, -zb + e, e};
Physical Curve("axis") = Curve In BoundingBox{-e, zb - e, -e, e, -zb + e, e};
perio() = Curve In BoundingBox{ro - e, zb - e, -e, ro + e, -g/2 + e, e};
perio() += Curve In BoundingBox{ro - e, g/2 - e, -e, ro + e, -zb + e, e};
Physical Curve("periosteum") = perio();
endo() = Curve In BoundingBox{ri - e, zb - e, -e, ri + e, -g/2 + e, e};
endo() += Curve In BoundingBox{ri - e, g/2 - e, -e, ri + e, -zb + e, e};
Physical Curve("endosteum") = endo();
Physical Curve("growth_plane") = Curve In BoundingBox{-e, -e, -e, rs + e, e, e};
Physical Curve("proximal_osteotomy") = Curve In BoundingBox{-e, -g/2 - e, -e, ro + e, -g/2 + e, e};
Physical Curve("distal_osteotomy") = Curve In BoundingBox{-e, g/2 - e, -e, ro + e, g/2 + e, e};
surf() = Curve In BoundingBox{rs - e, -cl/2 - e, -e, rs + e, cl/2 + e, e};
surf() += Curve In BoundingBox{ro + cth - e, -cl/2 - e, -e, rs + e, -cl/2 + e, e};
surf() += Curve In BoundingBox{ro + cth - e, cl/2 - e, -e, rs + e, cl/2 + e, e};
Physical Curve("soft_tissue_surface") = surf();

// Finer near the gap, coarser towards the bone ends.
Field[1] = Box;
Field[1].VIn = h / 2;
Field[1].VOut = h * 2;
Field[1].XMin = 0; Field[1].XMax = rs;
Field[1].YMin = -cl/2; Field[1].YMax = cl/2;
Field[1].Thickness = 5;
Background Field = 1;
Mesh.MeshSizeExtendFromBoundary = 0;
Mesh.MeshSizeFromPoints = 0;
Mesh.MeshSizeFromCurvature = 0;
